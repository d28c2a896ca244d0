/**
 * Fixed-length token samples -> `Int32Array` batches: shared by the in-process loader and its
 * worker threads.
 *
 * @example
 * ```ts
 * const row = sampleTokens(sample, { column: 'tokens', seqLen: 2048 }); // Int32Array(2048)
 * ```
 */
import type { SampleMapper } from './dataset.js';
import { InvalidArgumentError, ShardIntegrityError } from './errors.js';
import type { Sample } from './encodings.js';
import type { NDArray } from './ndarray.js';
import type { ColumnLayout } from './shard.js';

/** How to read one sample's tokens. */
export interface TokenColumnOptions {
  /** Column holding the tokens (an int `ndarray`, or legacy `bytes`). Default `'tokens'`. */
  column?: string;
  /** Tokens per row; longer samples are cut (llm-foundry takes the first `seqLen`). */
  seqLen: number;
  /** Integer type of a `bytes` token column (llm-foundry `token_encoding_type`). Default int64. */
  bytesDtype?: 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';
  /** Pad shorter samples with this id; without it a short sample is an error. */
  padId?: number;
}

const BYTES_ARRAYS = {
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
} as const;

/**
 * Writes the first `seqLen` tokens of `sample` into `out` at `offset` (or a new array).
 *
 * @example
 * ```ts
 * sampleTokens({ tokens: { data: Int32Array.of(1, 2, 3), shape: [3], dtype: 'int32' } }, { seqLen: 2 }); // Int32Array [1, 2]
 * ```
 */
export function sampleTokens(sample: Sample, options: TokenColumnOptions, out?: Int32Array, offset = 0): Int32Array {
  const column = options.column ?? 'tokens';
  const T = options.seqLen;
  const target = out ?? new Int32Array(T);
  const value = sample[column];
  let tokens: ArrayLike<number | bigint>;
  if (value instanceof Uint8Array) {
    const Ctor = BYTES_ARRAYS[options.bytesDtype ?? 'int64'];
    const copy = value.slice();
    if (copy.length % Ctor.BYTES_PER_ELEMENT !== 0) {
      throw new InvalidArgumentError('tokenBatches', `column '${column}' holds ${copy.length} bytes, not a whole number of ${options.bytesDtype ?? 'int64'}`);
    }
    tokens = new Ctor(copy.buffer);
  } else if (typeof value === 'object' && value !== null && 'data' in value && 'dtype' in value) {
    const nd = value as NDArray;
    if (nd.dtype.startsWith('float')) throw new InvalidArgumentError('tokenBatches', `column '${column}' is ${nd.dtype}, not integers`);
    tokens = nd.data;
  } else {
    throw new InvalidArgumentError('tokenBatches', `sample has no token column '${column}' (an int ndarray or bytes)`,
      'write token samples as { tokens: ndarray:int32 } (convertTextToMDS does)');
  }
  const n = Math.min(T, tokens.length);
  if (tokens instanceof Int32Array) target.set(tokens.subarray(0, n), offset);
  else for (let i = 0; i < n; i++) target[offset + i] = Number(tokens[i]);
  if (n < T) {
    if (options.padId === undefined) {
      throw new InvalidArgumentError('tokenBatches', `a sample has ${n} tokens, fewer than seqLen ${T}`, 'pass padId to pad short samples');
    }
    target.fill(options.padId, offset + n, offset + T);
  }
  return target;
}

/** One training batch: `batchSize` rows of `seqLen` tokens, row-major. */
export interface TokenBatch {
  tokens: Int32Array;
  /** Rows in this batch (the last batch of a worker may be short unless `dropLast`). */
  batchSize: number;
  seqLen: number;
  /**
   * Optional: hand `tokens` back for reuse once you are done with it (do not touch it after).
   * Reusing buffers avoids allocating and zeroing fresh memory for every batch, which costs
   * more than reading the data. Batches that are never released are simply garbage-collected.
   */
  release?: () => void;
}

/** Batches per worker message: about 1 MiB of tokens. */
export function groupSize(batchSize: number, seqLen: number): number {
  return Math.max(1, Math.floor((1 << 20) / (4 * batchSize * seqLen)));
}

/**
 * A bounded free list of batch buffers of one size.
 *
 * @example
 * ```ts
 * const pool = new BatchPool(8 * 2048);
 * const rows = pool.take(); // reused when available
 * pool.give(rows);
 * ```
 */
export class BatchPool {
  private readonly free: ArrayBuffer[] = [];
  constructor(
    readonly elements: number,
    readonly capacity = 64,
  ) {}

  take(): Int32Array {
    const buffer = this.free.pop();
    return buffer === undefined ? new Int32Array(this.elements) : new Int32Array(buffer);
  }

  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 4 * this.elements && this.free.length < this.capacity) this.free.push(buffer);
  }
}

/**
 * Groups an async sequence of samples into {@link TokenBatch}es of `batchSize` rows.
 *
 * @example
 * ```ts
 * for await (const batch of batchTokens(ds.iterate(), { seqLen: 2048, batchSize: 8 })) train(batch.tokens);
 * ```
 */
export async function* batchTokens(
  samples: AsyncIterable<Sample>,
  options: TokenColumnOptions & { batchSize: number; dropLast?: boolean },
): AsyncGenerator<TokenBatch, void, undefined> {
  const { batchSize: B, seqLen: T } = options;
  let rows = new Int32Array(B * T);
  let n = 0;
  for await (const sample of samples) {
    sampleTokens(sample, options, rows, n * T);
    n++;
    if (n === B) {
      yield { tokens: rows, batchSize: B, seqLen: T };
      rows = new Int32Array(B * T);
      n = 0;
    }
  }
  if (n > 0 && !options.dropLast) yield { tokens: rows.slice(0, n * T), batchSize: n, seqLen: T };
}

interface ColumnSlot {
  index: number;
  /** Bytes of u32 lengths before the first column. */
  headerBytes: number;
  /** Fast path: int32 elements with a static or code-33 dtype; how to skip the ndarray header. */
  int32: { dynamicDtype: boolean; dynamicShape: boolean } | undefined;
}

function tokenColumnSlot(layout: ColumnLayout, column: string): ColumnSlot {
  const index = layout.names.indexOf(column);
  if (index < 0) {
    throw new InvalidArgumentError('tokenBatches', `sample has no token column '${column}' (it has ${layout.names.join(', ')})`,
      'write token samples as { tokens: ndarray:int32 } (convertTextToMDS does)');
  }
  const parts = layout.encodingNames[index]!.split(':');
  const int32 = parts[0] === 'ndarray' && (parts[1] === undefined || parts[1] === 'int32')
    ? { dynamicDtype: parts[1] === undefined, dynamicShape: parts[2] === undefined }
    : undefined;
  const headerBytes = 4 * layout.sizes.filter((size) => !size).length;
  return { index, headerBytes, int32 };
}

/**
 * A {@link SampleMapper} that copies each sample's tokens straight from the shard bytes into
 * preallocated `Int32Array` batches (no per-sample objects for `ndarray:int32` columns), for
 * `StreamingDataset.iterateMapped`. `flush()` returns the last, short batch.
 *
 * @example
 * ```ts
 * const batcher = tokenBatchMapper({ seqLen: 2048, batchSize: 8 });
 * for await (const batch of ds.iterateMapped(batcher.map)) train(batch);
 * const last = batcher.flush();
 * ```
 */
export function tokenBatchMapper(options: TokenColumnOptions & { batchSize: number; dropLast?: boolean }, pool?: BatchPool): {
  map: SampleMapper<TokenBatch | undefined>;
  flush(): TokenBatch | undefined;
} {
  const { batchSize: B, seqLen: T } = options;
  const column = options.column ?? 'tokens';
  const slots = new WeakMap<ColumnLayout, ColumnSlot>();
  const allocate = (): Int32Array => (pool === undefined ? new Int32Array(B * T) : pool.take());
  let rows = allocate();
  let rowBytes = new Uint8Array(rows.buffer);
  let n = 0;
  const map: SampleMapper<TokenBatch | undefined> = (bytes, layout, shard) => {
    let slot = slots.get(layout);
    if (slot === undefined) {
      slot = tokenColumnSlot(layout, column);
      slots.set(layout, slot);
    }
    // Walk the length header to the token column's bytes (spec §1.4).
    let start = slot.headerBytes;
    let size = 0;
    let lengthAt = 0;
    for (let c = 0; c <= slot.index; c++) {
      const fixed = layout.sizes[c];
      if (fixed) size = fixed;
      else {
        const at = 4 * lengthAt++;
        size = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) + bytes[at + 3]! * 2 ** 24;
      }
      if (c < slot.index) start += size;
    }
    if (start + size > bytes.length) throw new ShardIntegrityError(shard, 'structure', `column '${column}' runs past the end of its sample`);
    let fast = slot.int32 !== undefined;
    let data = start;
    if (fast && slot.int32!.dynamicDtype) fast = bytes[data++] === 33;
    if (fast && slot.int32!.dynamicShape) {
      const h = bytes[data]!;
      data += 1 + (h >> 2) * (1 << (h & 3));
    }
    if (fast) {
      const count = Math.min(T, (start + size - data) >> 2);
      rowBytes.set(bytes.subarray(data, data + 4 * count), 4 * n * T);
      if (count < T) {
        if (options.padId === undefined) {
          throw new InvalidArgumentError('tokenBatches', `a sample has ${count} tokens, fewer than seqLen ${T}`, 'pass padId to pad short samples');
        }
        rows.fill(options.padId, n * T + count, (n + 1) * T);
      }
    } else {
      const value = layout.encodings[slot.index]!.decode(bytes.subarray(start, start + size), column);
      sampleTokens({ [column]: value }, options, rows, n * T);
    }
    n++;
    if (n < B) return undefined;
    const tokens = rows;
    let released = false;
    const batch: TokenBatch = { tokens, batchSize: B, seqLen: T };
    if (pool !== undefined) {
      batch.release = () => {
        if (!released) pool.give(tokens.buffer as ArrayBuffer);
        released = true;
      };
    }
    rows = allocate();
    rowBytes = new Uint8Array(rows.buffer);
    n = 0;
    return batch;
  };
  const flush = (): TokenBatch | undefined => {
    if (n === 0 || options.dropLast) return undefined;
    const batch = { tokens: rows.slice(0, n * T), batchSize: n, seqLen: T };
    n = 0;
    return batch;
  };
  return { map, flush };
}
