/**
 * Locations of the golden fixtures: the copies in `test/fixtures/` (committed) and the shared
 * folder beside the repository (`../shared/fixtures/tokenizer/`), which alone holds the
 * GPT-NeoX-20B files we do not redistribute.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '../src/tokenizer.js';

const here = dirname(fileURLToPath(import.meta.url));
/** `packages/tokenizer/test/fixtures`. */
export const LOCAL_FIXTURES = join(here, 'fixtures');
/** The repository root (three levels above this file). */
export const REPO_ROOT = join(here, '..', '..', '..');
/** `../shared/fixtures/tokenizer/gpt-neox-20b` relative to the repository root. */
export const NEOX_DIR = join(REPO_ROOT, '..', 'shared', 'fixtures', 'tokenizer', 'gpt-neox-20b');
/** True when the NeoX files are present. */
export const HAS_NEOX = existsSync(join(NEOX_DIR, 'tokenizer.json')) && existsSync(join(NEOX_DIR, 'expected.jsonl'));
/** Why NeoX tests are skipped. */
export const NEOX_SKIP_REASON = `GPT-NeoX-20B fixtures not found at ${NEOX_DIR} (third-party data, not in the repository); skipping its parity tests`;

/** One line of an expected.jsonl file. */
export interface ExpectedLine {
  name: string;
  text: string;
  ids: number[];
  tokens: string[];
  offsets?: [number, number][];
  decoded: string;
  decoded_skip_special?: string;
}

/** Reads a JSON-lines file. */
export function readExpected(path: string): ExpectedLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as ExpectedLine);
}

const cache = new Map<string, Tokenizer>();

/** Loads (once per test file) a tokenizer.json by path. */
export function loadTokenizer(path: string): Tokenizer {
  let tokenizer = cache.get(path);
  if (!tokenizer) {
    tokenizer = Tokenizer.fromJSON(readFileSync(path));
    cache.set(path, tokenizer);
  }
  return tokenizer;
}

/** The 4096-token SOTU tokenizer. */
export const sotu = (): Tokenizer => loadTokenizer(join(LOCAL_FIXTURES, 'tokenizer.json'));
/** GPT-2. */
export const gpt2 = (): Tokenizer => loadTokenizer(join(LOCAL_FIXTURES, 'gpt2-tokenizer.json'));
/** GPT-NeoX-20B (only when {@link HAS_NEOX}). */
export const neox = (): Tokenizer => loadTokenizer(join(NEOX_DIR, 'tokenizer.json'));
