/**
 * Text/JSONL to MDS shards, like llm-foundry's `convert_dataset_json.py` (spec §3.4). With
 * `concatTokens: N`, documents are tokenized by the function you pass, joined as
 * `bos + ids + eos` into one token stream and cut into samples of exactly `N` tokens, written
 * as `{ tokens: 'ndarray:int32' }` (llm-foundry's layout) or, with `fixedShape: true`, as
 * `{ tokens: 'ndarray:int32:N' }` (no per-sample length or shape header, so samples are
 * exactly their tokens and batches are read with no compaction); the last partial sample is
 * dropped. Without it, each document becomes a `{ text: 'str' }` sample.
 *
 * @example
 * ```ts
 * import { encode } from 'some-tokenizer';
 * const result = await convertTextToMDS(readJsonlTexts('corpus/'), {
 *   out: 'data/train', concatTokens: 2048, tokenize: (text) => encode(text), eosIds: [0],
 *   compression: 'zstd',
 * });
 * console.log(result.samples, result.tokens);
 * ```
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, MDSFormatError } from './errors.js';
import type { DatasetIndex } from './index-file.js';
import { pythonJsonParse } from './python-json.js';
import { MDSWriter } from './writer.js';

/** Options of {@link convertTextToMDS}. */
export interface ConvertOptions {
  /** Output directory (must be empty unless `existOk`). */
  out: string;
  /** Tokens per sample. Omit to write the raw text (`{ text: 'str' }`). */
  concatTokens?: number;
  /** Text -> token ids (special tokens as your tokenizer adds them). Needed with `concatTokens`. */
  tokenize?: (text: string) => ArrayLike<number> | Promise<ArrayLike<number>>;
  /** Ids put before every document (llm-foundry `--bos_text`, tokenized). */
  bosIds?: readonly number[];
  /** Ids put after every document (llm-foundry `--eos_text`, tokenized), e.g. `[eosId]`. */
  eosIds?: readonly number[];
  /** Drop the remainder of a document that overflows a sample instead of wrapping it. */
  noWrap?: boolean;
  /**
   * Write the token column with its fixed shape, `ndarray:int32:N`, instead of llm-foundry's
   * `ndarray:int32` (dynamic shape). Readers that decode ndarrays (mosaicml-streaming,
   * llm-foundry, ours) get the same `[N]` arrays; ours batches it faster. Default false.
   */
  fixedShape?: boolean;
  compression?: string | null;
  hashes?: readonly string[];
  sizeLimit?: number | string | null;
  existOk?: boolean;
}

/** What {@link convertTextToMDS} wrote. */
export interface ConvertResult {
  documents: number;
  samples: number;
  /** Tokens written (samples x concatTokens), or 0 without `concatTokens`. */
  tokens: number;
  /** Tokens left over at the end (or cut by `noWrap`) and not written. */
  droppedTokens: number;
  index: DatasetIndex;
}

/**
 * Writes documents as MDS shards (see the module doc).
 *
 * @example
 * ```ts
 * await convertTextToMDS(['a b c', 'd e'], { out, concatTokens: 4, tokenize: (t) => t.split(' ').map((w) => w.charCodeAt(0)), eosIds: [0] });
 * ```
 */
export async function convertTextToMDS(
  documents: Iterable<string> | AsyncIterable<string>,
  options: ConvertOptions,
): Promise<ConvertResult> {
  const where = 'convertTextToMDS';
  const N = options.concatTokens;
  const common = {
    out: options.out,
    ...(options.compression === undefined ? {} : { compression: options.compression }),
    ...(options.hashes === undefined ? {} : { hashes: options.hashes }),
    ...(options.sizeLimit === undefined ? {} : { sizeLimit: options.sizeLimit }),
    ...(options.existOk === undefined ? {} : { existOk: options.existOk }),
  };
  let count = 0;
  if (N === undefined) {
    const writer = new MDSWriter({ ...common, columns: { text: 'str' } });
    for await (const text of documents) {
      await writer.write({ text });
      count++;
    }
    const index = await writer.finish();
    return { documents: count, samples: count, tokens: 0, droppedTokens: 0, index };
  }
  if (!Number.isSafeInteger(N) || N < 1) throw new InvalidArgumentError(where, `concatTokens must be a positive integer, got ${N}`);
  const tokenize = options.tokenize;
  if (tokenize === undefined) throw new InvalidArgumentError(where, 'concatTokens needs a tokenize function');
  const bos = options.bosIds ?? [];
  const eos = options.eosIds ?? [];
  if (bos.length === 0 && eos.length === 0) {
    throw new InvalidArgumentError(where, 'concatenating documents needs a separator: give bosIds and/or eosIds',
      "pass the tokenized EOS text, e.g. eosIds: [tokenizer.tokenToId('<|endoftext|>')]");
  }
  const writer = new MDSWriter({ ...common, columns: { tokens: options.fixedShape === true ? `ndarray:int32:${N}` : 'ndarray:int32' } });
  let buffer = new Int32Array(Math.max(4 * N, 1024));
  let length = 0;
  let samples = 0;
  let dropped = 0;
  const push = (ids: ArrayLike<number>): void => {
    if (length + ids.length > buffer.length) {
      const grown = new Int32Array(Math.max(2 * buffer.length, length + ids.length));
      grown.set(buffer.subarray(0, length));
      buffer = grown;
    }
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < -(2 ** 31) || id >= 2 ** 31) {
        throw new InvalidArgumentError(where, `token id ${id} does not fit in int32`);
      }
      buffer[length + i] = id;
    }
    length += ids.length;
  };
  for await (const text of documents) {
    count++;
    push(bos);
    push(await tokenize(text));
    push(eos);
    let start = 0;
    while (length - start >= N) {
      await writer.write({ tokens: buffer.slice(start, start + N) });
      samples++;
      start += N;
      if (options.noWrap) {
        dropped += length - start;
        start = length;
      }
    }
    buffer.copyWithin(0, start, length);
    length -= start;
  }
  dropped += length;
  const index = await writer.finish();
  return { documents: count, samples, tokens: samples * N, droppedTokens: dropped, index };
}

/**
 * The `text` field (or another) of every line of a JSONL file, or of every `.jsonl`/`.json`
 * file in a directory (sorted by name), like llm-foundry's `convert_dataset_json.py`.
 *
 * @example
 * ```ts
 * for await (const text of readJsonlTexts('corpus.jsonl')) console.log(text.length);
 * ```
 */
export async function* readJsonlTexts(path: string, field = 'text'): AsyncGenerator<string, void, undefined> {
  const files = (await stat(path)).isDirectory()
    ? (await readdir(path)).filter((n) => n.endsWith('.jsonl') || n.endsWith('.json')).sort().map((n) => join(path, n))
    : [path];
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      let record: unknown;
      try {
        record = pythonJsonParse(line);
      } catch (cause) {
        throw new MDSFormatError(`${file}:${lineNumber}`, `not valid JSON (${(cause as Error).message})`);
      }
      const value = typeof record === 'object' && record !== null ? (record as Record<string, unknown>)[field] : undefined;
      if (typeof value !== 'string') throw new MDSFormatError(`${file}:${lineNumber}`, `field '${field}' is missing or not a string`);
      yield value;
    }
  }
}
