/**
 * The BPE model: vocabulary, ranked merges, and the per-piece tokenization of Hugging Face's
 * `BPE` (unknown token, byte fallback, continuing-subword prefix, end-of-word suffix,
 * `ignore_merges`; dropout is kept for round-tripping but never applied).
 *
 * The BPE trainer builds one of these from its vocabulary and merge list, and reads
 * {@link BpeModel.merges} / {@link BpeModel.rankOf} back.
 *
 * @example
 * ```ts
 * const model = new BpeModel({ vocab: { a: 0, b: 1, ab: 2 }, merges: [['a', 'b']] });
 * model.tokenize('ab'); // [{ id: 2, value: 'ab', start: 0, end: 2 }]
 * ```
 */
import { BYTE_TO_CHAR, utf8Encode } from './byte-level.js';
import { TokenizerConfigError, TokenizerInputError } from './errors.js';
import { MergeTable, mergeSymbols } from './merge-table.js';
import { PieceCache } from './piece-cache.js';
import type { JsonObject } from './normalizers.js';
import type { PieceToken } from './pre-tokenized-string.js';

/** Options of {@link BpeModel}; the tokenizer.json fields in camelCase. */
export interface BpeModelOptions {
  /** Token to id. */
  vocab: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /** Merges in rank order, as `[left, right]` pairs or `"left right"` strings. */
  merges: readonly (readonly [string, string] | string)[];
  unkToken?: string | null;
  continuingSubwordPrefix?: string | null;
  endOfWordSuffix?: string | null;
  fuseUnk?: boolean;
  byteFallback?: boolean;
  ignoreMerges?: boolean;
  /** Kept for tokenizer.json round trips; inference never drops merges. */
  dropout?: number | null;
  /** Pieces whose ids are cached (default 65,536; 0 disables the cache). */
  cacheCapacity?: number;
}

const INITIAL_SCRATCH = 256;

/**
 * Byte-pair encoding over a vocabulary and ranked merges.
 *
 * @example
 * ```ts
 * const model = new BpeModel({ vocab: { a: 0, b: 1, ab: 2 }, merges: [['a', 'b']] });
 * model.rankOf(0, 1); // 0
 * ```
 */
export class BpeModel {
  readonly type = 'BPE';
  /** Token to id. */
  readonly vocab: ReadonlyMap<string, number>;
  /** Merges in rank order (rank = index). */
  readonly merges: readonly (readonly [string, string])[];
  readonly unkToken: string | null;
  readonly continuingSubwordPrefix: string | null;
  readonly endOfWordSuffix: string | null;
  readonly fuseUnk: boolean;
  readonly byteFallback: boolean;
  readonly ignoreMerges: boolean;
  readonly dropout: number | null;
  private readonly idToToken: Map<number, string>;
  private readonly table: MergeTable;
  /** Byte to the id of its byte-level symbol (-1 when absent); null when a prefix/suffix applies. */
  private readonly byteIds: Int32Array | null;
  private readonly cache: PieceCache | null;
  private readonly cacheCapacity: number;
  private readonly detailCache = new Map<string, Int32Array>();
  private ids = new Int32Array(INITIAL_SCRATCH);
  private starts = new Int32Array(INITIAL_SCRATCH);
  private ends = new Int32Array(INITIAL_SCRATCH);
  private bytes = new Uint8Array(INITIAL_SCRATCH * 3);

  constructor(options: BpeModelOptions) {
    this.vocab = options.vocab instanceof Map ? options.vocab : new Map(Object.entries(options.vocab));
    this.unkToken = options.unkToken ?? null;
    this.continuingSubwordPrefix = options.continuingSubwordPrefix ?? null;
    this.endOfWordSuffix = options.endOfWordSuffix ?? null;
    this.fuseUnk = options.fuseUnk ?? false;
    this.byteFallback = options.byteFallback ?? false;
    this.ignoreMerges = options.ignoreMerges ?? false;
    this.dropout = options.dropout ?? null;
    this.cacheCapacity = options.cacheCapacity ?? 65_536;
    this.cache = this.cacheCapacity > 0 ? new PieceCache(this.cacheCapacity) : null;
    this.idToToken = new Map();
    for (const [token, id] of this.vocab) this.idToToken.set(id, token);

    const prefixLength = this.continuingSubwordPrefix?.length ?? 0;
    const merges: (readonly [string, string])[] = [];
    this.table = new MergeTable(options.merges.length);
    options.merges.forEach((merge, rank) => {
      const pair = typeof merge === 'string' ? splitLegacyMerge(merge, rank) : merge;
      const [a, b] = pair;
      const aId = this.vocab.get(a);
      const bId = this.vocab.get(b);
      const merged = a + b.slice(prefixLength);
      const newId = this.vocab.get(merged);
      if (aId === undefined || bId === undefined || newId === undefined) {
        const missing = aId === undefined ? a : bId === undefined ? b : merged;
        throw new TokenizerConfigError(
          `model.merges[${rank}]`,
          `merge ${JSON.stringify(pair)} uses ${JSON.stringify(missing)}, which is not in model.vocab`,
          'BPE',
          'every merge part and every merged token must be in the vocabulary',
        );
      }
      this.table.set(aId, bId, rank, newId);
      merges.push(pair);
    });
    this.merges = merges;
    this.byteIds = this.buildByteIds();
  }

  private buildByteIds(): Int32Array | null {
    if (this.continuingSubwordPrefix || this.endOfWordSuffix) return null;
    const ids = new Int32Array(256);
    for (let b = 0; b < 256; b++) ids[b] = this.vocab.get(BYTE_TO_CHAR[b]!) ?? -1;
    return ids;
  }

  /** Number of vocabulary entries (Hugging Face `get_vocab_size`). */
  get vocabSize(): number {
    return this.vocab.size;
  }

  /** Id of a token, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  /** Token of an id, or undefined. */
  idToTokenString(id: number): string | undefined {
    return this.idToToken.get(id);
  }

  /**
   * Rank of merging the tokens with ids `a` and `b` (0 merges first), or -1.
   *
   * @example
   * ```ts
   * model.rankOf(model.tokenToId('Ġ')!, model.tokenToId('t')!); // 0 for GPT-2
   * ```
   */
  rankOf(a: number, b: number): number {
    return this.table.rank(a, b);
  }

  /** Empties the per-piece cache. */
  clearCache(): void {
    this.cache?.clear();
    this.detailCache.clear();
  }

  /**
   * Appends the ids of `text[start, end)` to `out` (the fast path). With `rawBytes` the piece is
   * plain text whose UTF-8 bytes are the byte-level symbols (the pre-tokenizer skipped the
   * mapping); otherwise it is already in vocabulary symbols.
   */
  tokenizeInto(text: string, start: number, end: number, rawBytes: boolean, out: number[]): void {
    const cache = this.cache;
    let hash = 0;
    if (cache !== null) {
      hash = PieceCache.hash(text, start, end);
      const cached = cache.get(text, start, end, hash);
      if (cached !== undefined) {
        if (typeof cached === 'number') out.push(cached);
        else for (let i = 0; i < cached.length; i++) out.push(cached[i]!);
        return;
      }
    }
    const key = text.slice(start, end);
    const result = rawBytes ? this.tokenizeBytes(key) : this.tokenizeSymbols(key);
    if (cache !== null) cache.set(key, hash, result.length === 1 ? result[0]! : result);
    for (let i = 0; i < result.length; i++) out.push(result[i]!);
  }

  private tokenizeBytes(piece: string): Int32Array {
    const byteIds = this.byteIds;
    if (byteIds === null || this.ignoreMerges) return this.tokenizeSymbols(byteLevelString(piece));
    if (this.bytes.length < piece.length * 3) this.bytes = new Uint8Array(piece.length * 6);
    const n = utf8Encode(piece, 0, piece.length, this.bytes);
    if (this.ids.length < n) {
      this.ids = new Int32Array(n * 2);
      this.starts = new Int32Array(n * 2);
      this.ends = new Int32Array(n * 2);
    }
    const ids = this.ids;
    for (let i = 0; i < n; i++) {
      const id = byteIds[this.bytes[i]!]!;
      // A byte without a vocabulary symbol: Hugging Face's per-character rules apply.
      if (id < 0) return this.tokenizeSymbols(byteLevelString(piece));
      ids[i] = id;
    }
    const m = mergeSymbols(this.table, ids, n);
    return ids.slice(0, m);
  }

  private tokenizeSymbols(word: string): Int32Array {
    if (word.length === 0) return new Int32Array(0);
    if (this.ignoreMerges) {
      const id = this.vocab.get(word);
      if (id !== undefined) return Int32Array.of(id);
    }
    const n = this.initialSymbols(word);
    const m = mergeSymbols(this.table, this.ids, n);
    return this.ids.slice(0, m);
  }

  /**
   * Tokens of one normalized piece with [start, end) in its UTF-16 units (the offsets path).
   *
   * @example
   * ```ts
   * gpt2.model.tokenize('Ġhello'); // [{ id: 23748, value: 'Ġhello', start: 0, end: 6 }]
   * ```
   */
  tokenize(word: string): PieceToken[] {
    if (word.length === 0) return [];
    let packed = this.detailCache.get(word);
    if (packed === undefined) {
      packed = this.tokenizeWithOffsets(word);
      if (this.cacheCapacity > 0) {
        if (this.detailCache.size >= this.cacheCapacity) this.detailCache.clear();
        this.detailCache.set(word, packed);
      }
    }
    const tokens: PieceToken[] = [];
    for (let k = 0; k < packed.length; k += 3) {
      const id = packed[k]!;
      tokens.push({ id, value: this.idToToken.get(id) ?? '', start: packed[k + 1]!, end: packed[k + 2]! });
    }
    return tokens;
  }

  /** [id, start, end] triples for one piece. */
  private tokenizeWithOffsets(word: string): Int32Array {
    if (this.ignoreMerges) {
      const id = this.vocab.get(word);
      if (id !== undefined) return Int32Array.of(id, 0, word.length);
    }
    const n = this.initialSymbols(word);
    const m = mergeSymbols(this.table, this.ids, n, this.starts, this.ends);
    const packed = new Int32Array(m * 3);
    for (let k = 0; k < m; k++) {
      packed[3 * k] = this.ids[k]!;
      packed[3 * k + 1] = this.starts[k]!;
      packed[3 * k + 2] = this.ends[k]!;
    }
    return packed;
  }

  /**
   * Hugging Face `merge_word` before merging: one symbol per character (or per byte with byte
   * fallback), written to the scratch arrays `ids`/`starts`/`ends`; returns the count.
   */
  private initialSymbols(word: string): number {
    const capacity = word.length * 4 + 1;
    if (this.ids.length < capacity) {
      this.ids = new Int32Array(capacity * 2);
      this.starts = new Int32Array(capacity * 2);
      this.ends = new Int32Array(capacity * 2);
    }
    const { ids, starts, ends } = this;
    let n = 0;
    let unkId = -1;
    let unkStart = 0;
    let unkEnd = 0;
    const prefix = this.continuingSubwordPrefix;
    const suffix = this.endOfWordSuffix;
    for (let i = 0; i < word.length; ) {
      const cp = word.codePointAt(i)!;
      const size = cp > 0xffff ? 2 : 1;
      let s = word.slice(i, i + size);
      if (i > 0 && prefix) s = prefix + s;
      if (i + size === word.length && suffix) s = s + suffix;
      const id = this.vocab.get(s);
      if (id !== undefined) {
        if (unkId >= 0) {
          ids[n] = unkId;
          starts[n] = unkStart;
          ends[n++] = unkEnd;
          unkId = -1;
        }
        ids[n] = id;
        starts[n] = i;
        ends[n++] = i + size;
      } else {
        const fallback = this.byteFallback ? this.byteFallbackIds(s) : null;
        if (fallback) {
          for (const b of fallback) {
            ids[n] = b;
            starts[n] = i;
            ends[n++] = i + size;
          }
        } else if (this.unkToken !== null) {
          const unk = this.vocab.get(this.unkToken);
          if (unk === undefined) {
            throw new TokenizerInputError('encode', `the BPE unk_token ${JSON.stringify(this.unkToken)} is not in the vocabulary`, 'add it to model.vocab or set unk_token to null');
          }
          if (unkId >= 0 && this.fuseUnk) {
            unkEnd = i + size;
          } else {
            if (unkId >= 0) {
              ids[n] = unkId;
              starts[n] = unkStart;
              ends[n++] = unkEnd;
            }
            unkId = unk;
            unkStart = i;
            unkEnd = i + size;
          }
        }
      }
      i += size;
    }
    if (unkId >= 0) {
      ids[n] = unkId;
      starts[n] = unkStart;
      ends[n++] = unkEnd;
    }
    return n;
  }

  /** Ids of the `<0xAB>` tokens of `s`'s UTF-8 bytes, or null when one is missing. */
  private byteFallbackIds(s: string): number[] | null {
    const found: number[] = [];
    for (const b of new TextEncoder().encode(s)) {
      const id = this.vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
      if (id === undefined) return null;
      found.push(id);
    }
    return found;
  }

  /** The tokenizer.json `model` object (vocab ordered by id, merges as pairs). */
  toJSON(): JsonObject {
    const vocab: Record<string, number> = {};
    for (const [token, id] of [...this.vocab].sort((x, y) => x[1] - y[1])) vocab[token] = id;
    return {
      type: 'BPE',
      dropout: this.dropout,
      unk_token: this.unkToken,
      continuing_subword_prefix: this.continuingSubwordPrefix,
      end_of_word_suffix: this.endOfWordSuffix,
      fuse_unk: this.fuseUnk,
      byte_fallback: this.byteFallback,
      ignore_merges: this.ignoreMerges,
      vocab,
      merges: this.merges.map(([a, b]) => [a, b]),
    };
  }
}

function splitLegacyMerge(merge: string, rank: number): [string, string] {
  const parts = merge.split(' ');
  if (parts.length !== 2) {
    throw new TokenizerConfigError(`model.merges[${rank}]`, `merge ${JSON.stringify(merge)} is not two tokens separated by one space`, 'BPE');
  }
  return [parts[0]!, parts[1]!];
}

function byteLevelString(piece: string): string {
  const bytes = new TextEncoder().encode(piece);
  let out = '';
  for (const b of bytes) out += BYTE_TO_CHAR[b]!;
  return out;
}
