/**
 * Streaming encoder for text too large to hold: reads text (strings or UTF-8 bytes) from an
 * (async) iterable, cuts it into chunks where the pipeline is known to split anyway, encodes
 * each chunk and yields its ids. The concatenated output equals `encode(wholeText).ids`.
 *
 * It cuts before a single space with a non-whitespace character on each side (see
 * `safe-cuts.ts` for why that is exact and which pipelines are refused with an error).
 *
 * Memory is bounded by `chunkSize` plus the longest stretch of text without such a space.
 * Browser-safe (bytes are decoded with `TextDecoder`).
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { encodeStream } from '@tessera/tokenizer';
 * let count = 0;
 * for await (const ids of encodeStream(tokenizer, createReadStream('corpus.txt'))) count += ids.length;
 * ```
 */
import type { Tokenizer } from '../tokenizer.js';
import { SafeCuts, specialAffixes } from './safe-cuts.js';

/** Options of {@link encodeStream}. */
export interface EncodeStreamOptions {
  /** UTF-16 units buffered before a chunk is cut and encoded (default 1,048,576). */
  chunkSize?: number;
  /**
   * Add the post-processor's special tokens (BOS/EOS) once, around the whole stream. Default
   * false (a corpus is usually tokenized as it is).
   */
  addSpecialTokens?: boolean;
}

/** Text for {@link encodeStream}: strings, or bytes of UTF-8 text (a Node read stream). */
export type TextSource = Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/**
 * Encodes a stream of text chunk by chunk; yields the ids of each chunk (never an empty array).
 * The concatenation equals `tokenizer.encode(wholeText, { addSpecialTokens }).ids`.
 *
 * @example
 * ```ts
 * const ids: number[] = [];
 * for await (const chunk of encodeStream(tokenizer, ['Hello wor', 'ld, hello world'])) ids.push(...chunk);
 * // ids equals tokenizer.encode('Hello world, hello world', { addSpecialTokens: false }).ids
 * ```
 */
export async function* encodeStream(tokenizer: Tokenizer, source: TextSource, options: EncodeStreamOptions = {}): AsyncGenerator<number[]> {
  const cutter = new SafeCuts(tokenizer);
  const chunkSize = Math.max(options.chunkSize ?? 1 << 20, 2 * cutter.margin + 16);
  const [prefix, suffix] = options.addSpecialTokens ? specialAffixes(tokenizer) : [[], []];
  const decoder = new TextDecoder('utf-8');
  const encode = (text: string): number[] => tokenizer.encode(text, { addSpecialTokens: false }).ids;
  let pending: number[] = prefix;
  let buffer = '';
  /** Units of `buffer` already searched without finding a cut. */
  let searched = 0;
  for await (const part of source) {
    buffer += typeof part === 'string' ? part : decoder.decode(part, { stream: true });
    while (buffer.length >= chunkSize + searched) {
      const cut = cutter.lastCut(buffer, Math.max(searched - cutter.margin, 0), buffer.length);
      if (cut < 0) {
        searched = buffer.length;
        break;
      }
      const ids = encode(buffer.slice(0, cut));
      buffer = buffer.slice(cut);
      searched = 0;
      if (pending.length > 0) ids.unshift(...pending);
      pending = [];
      if (ids.length > 0) yield ids;
    }
  }
  buffer += decoder.decode();
  const ids = encode(buffer);
  if (pending.length > 0) ids.unshift(...pending);
  ids.push(...suffix);
  if (ids.length > 0) yield ids;
}
