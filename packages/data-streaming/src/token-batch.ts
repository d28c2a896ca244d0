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
import type { ShardFile } from './shard-file.js';

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

/** The bytes of a typed array (a view of the same memory). */
function bytesOf(rows: Int32Array): Uint8Array {
  return new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
}

/** Where a {@link TokenBatcher} gets its batch buffers (`B * seqLen` elements each) and returns released ones. */
export interface BatchBuffers {
  take(): Int32Array;
  give(buffer: ArrayBuffer): void;
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
export class BatchPool implements BatchBuffers {
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
 * Batch buffers carved out of larger "group" buffers, `group` batches each, handed out in
 * order: a worker thread transfers a whole group of batches as one `ArrayBuffer` (one transfer
 * instead of one per batch). Group buffers given back are reused.
 *
 * @example
 * ```ts
 * const buffers = new GroupedBatchBuffers(8 * 2048, 16);
 * const a = buffers.take(); // Int32Array view at byte 0 of a 1 MiB group
 * const b = buffers.take(); // the next slot of the same group
 * ```
 */
export class GroupedBatchBuffers implements BatchBuffers {
  private readonly free: ArrayBuffer[] = [];
  private current: ArrayBuffer | undefined;
  private next = 0;
  constructor(
    readonly elements: number,
    readonly group: number,
    readonly capacity = 8,
  ) {}

  /** Bytes of one group buffer. */
  get groupBytes(): number {
    return 4 * this.elements * this.group;
  }

  take(): Int32Array {
    if (this.current === undefined || this.next === this.group) {
      this.current = this.free.pop() ?? new ArrayBuffer(this.groupBytes);
      this.next = 0;
    }
    return new Int32Array(this.current, 4 * this.elements * this.next++, this.elements);
  }

  /** Takes back a whole group buffer (once every batch in it is released). */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === this.groupBytes && buffer !== this.current && this.free.length < this.capacity) this.free.push(buffer);
  }

  /** Starts a new group at the next `take` (the current one was sent away). */
  reset(): void {
    this.current = undefined;
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

/** Where the token column lies in one sample (byte positions relative to the sample). */
interface Span {
  start: number;
  end: number;
  /** First int32 element, or -1 when the column must be decoded (not plain int32 elements). */
  data: number;
}

/** Runs of samples are read straight from the file into batches when they, and a batch, hold at least this many bytes. */
export const DIRECT_READ_MIN_BYTES = 4096;
/** Largest side buffer for the stored bytes (headers) that overhang the last batch of a read. */
const SIDE_MAX_BYTES = 1 << 22;

/** Options of {@link TokenBatcher}. */
export interface TokenBatcherOptions extends TokenColumnOptions {
  batchSize: number;
  dropLast?: boolean;
  /**
   * How runs of samples are read: `'auto'` (default) reads runs of at least
   * {@link DIRECT_READ_MIN_BYTES} straight from the file into batch buffers; `'always'` and
   * `'never'` force either path (for tests: both give the same batches).
   */
  directRead?: 'auto' | 'always' | 'never';
  /** Bytes of tokens read ahead with one system call (whole batches, at least one). Default 1 MiB. */
  readAheadBytes?: number;
}

/** A run of consecutive samples of one shard file (see `EpochCursor.nextRun`). */
export interface TokenRun {
  readonly file: ShardFile;
  readonly layout: ColumnLayout;
  readonly shard: string;
  readonly index: number;
  readonly count: number;
}

/**
 * Assembles `Int32Array` batches from samples' stored bytes.
 *
 * Runs of consecutive int32 samples are read with one `preadv` straight into the batch buffers
 * (about `readAheadBytes` at a time; the stored bytes that overhang the last buffer go to a
 * small side buffer), then each row's tokens are moved into place over the length and ndarray
 * headers (`copyWithin`, in cache). The tokens thus cross from the page cache into the batch
 * once, through no intermediate buffer and with no per-sample system call or object. Other runs
 * (short ones, other dtypes, `bytes` columns) go sample by sample through the shard's
 * read-ahead window. Both paths give the same batches.
 *
 * @example
 * ```ts
 * const batcher = new TokenBatcher({ seqLen: 2048, batchSize: 8 });
 * const cursor = await ds.openEpoch();
 * for (;;) {
 *   const ready = batcher.take();
 *   if (ready !== undefined) { train(ready); continue; }
 *   const run = cursor.nextRun(batcher.capacity) ?? (cursor.done ? undefined : await cursor.fetchRun(batcher.capacity));
 *   if (run === undefined) break;
 *   batcher.addRun(run);
 *   cursor.advance(run.count);
 * }
 * const last = batcher.flush();
 * await cursor.close();
 * ```
 */
export class TokenBatcher {
  private readonly B: number;
  private readonly T: number;
  private readonly column: string;
  private readonly ahead: number;
  private readonly slots = new WeakMap<ColumnLayout, ColumnSlot>();
  private rows: Int32Array;
  private n = 0;
  private readonly queue: TokenBatch[] = [];
  private head = 0;
  private side = new Uint8Array(0);
  private readonly span: Span = { start: 0, end: 0, data: -1 };
  // The bytes findTokens and move address: one virtual buffer made of `first`, then the
  // `full` buffers (each `fullBytes` long), then `side`; `base` is where the current sample starts.
  private first: Uint8Array = new Uint8Array(0);
  private full: Uint8Array[] = [];
  private fullBytes = 0;
  private base = 0;
  // The segment holding the current sample's first byte (see startSample).
  private here: Uint8Array = new Uint8Array(0);
  private hereOffset = 0;
  private hereLeft = 0;
  // locate() results.
  private at: Uint8Array = new Uint8Array(0);
  private atOffset = 0;
  private atLeft = 0;

  constructor(
    private readonly options: TokenBatcherOptions,
    private readonly pool?: BatchBuffers,
  ) {
    this.B = options.batchSize;
    this.T = options.seqLen;
    this.column = options.column ?? 'tokens';
    const batchBytes = 4 * this.B * this.T;
    // At most 256 batch buffers per preadv (IOV_MAX is 1024; libuv splits longer lists).
    this.ahead = Math.min(256, Math.max(1, Math.floor((options.readAheadBytes ?? 1 << 20) / batchBytes)));
    this.rows = this.allocate();
  }

  private allocate(): Int32Array {
    return this.pool === undefined ? new Int32Array(this.B * this.T) : this.pool.take();
  }

  /** Rows still missing from the current batch. */
  get needed(): number {
    return this.B - this.n;
  }

  /** Samples {@link addRun} takes at most: the current batch's missing rows and the batches read ahead. */
  get capacity(): number {
    return this.B - this.n + (this.ahead - 1) * this.B;
  }

  /** The next complete batch that {@link addRun} assembled, if any. */
  take(): TokenBatch | undefined {
    if (this.head >= this.queue.length) return undefined;
    const batch = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as TokenBatch;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    return batch;
  }

  private slotOf(layout: ColumnLayout): ColumnSlot {
    let slot = this.slots.get(layout);
    if (slot === undefined) {
      slot = tokenColumnSlot(layout, this.column);
      this.slots.set(layout, slot);
    }
    return slot;
  }

  /** Sets `at`/`atOffset`/`atLeft` to the segment holding virtual byte `pos`. */
  private locate(pos: number): void {
    const firstLength = this.first.length;
    if (pos < firstLength) {
      this.at = this.first;
      this.atOffset = pos;
      this.atLeft = firstLength - pos;
      return;
    }
    pos -= firstLength;
    const k = Math.floor(pos / this.fullBytes);
    if (k < this.full.length) {
      this.at = this.full[k]!;
      this.atOffset = pos - k * this.fullBytes;
      this.atLeft = this.fullBytes - this.atOffset;
      return;
    }
    this.at = this.side;
    this.atOffset = pos - this.full.length * this.fullBytes;
    this.atLeft = this.side.length - this.atOffset;
  }

  /** Points byteAt at the sample starting at virtual byte `pos`. */
  private startSample(pos: number): void {
    this.base = pos;
    this.locate(pos);
    this.here = this.at;
    this.hereOffset = this.atOffset;
    this.hereLeft = this.atLeft;
  }

  /** Byte `i` of the current sample. */
  private byteAt(i: number): number {
    if (i < this.hereLeft) return this.here[this.hereOffset + i]!;
    this.locate(this.base + i);
    return this.at[this.atOffset]!;
  }

  /** Copies virtual bytes [from, from + length) into `target` at `offset` (which lies at or before `from`). */
  private copyOut(from: number, length: number, target: Uint8Array, offset: number): void {
    while (length > 0) {
      this.locate(from);
      const chunk = Math.min(length, this.atLeft);
      if (this.at === target) {
        // Headerless fixed-size samples are already in place.
        if (this.atOffset !== offset) target.copyWithin(offset, this.atOffset, this.atOffset + chunk);
      }
      else target.set(this.at.subarray(this.atOffset, this.atOffset + chunk), offset);
      from += chunk;
      offset += chunk;
      length -= chunk;
    }
  }

  /**
   * Walks the current sample's length header to its token column (spec §1.4) and, for int32
   * ndarrays, past the ndarray header, into `span`. The sample is `size` bytes long.
   */
  private findTokens(slot: ColumnSlot, layout: ColumnLayout, size: number, shard: string): void {
    const span = this.span;
    let start = slot.headerBytes;
    let columnSize = 0;
    let lengthAt = 0;
    if (start > size) throw new ShardIntegrityError(shard, 'structure', 'a sample ends inside its length header');
    for (let c = 0; c <= slot.index; c++) {
      const fixed = layout.sizes[c];
      if (fixed) columnSize = fixed;
      else {
        const i = 4 * lengthAt++;
        columnSize = (this.byteAt(i) | (this.byteAt(i + 1) << 8) | (this.byteAt(i + 2) << 16)) + this.byteAt(i + 3) * 2 ** 24;
      }
      if (c < slot.index) start += columnSize;
    }
    if (start + columnSize > size) throw new ShardIntegrityError(shard, 'structure', `column '${this.column}' runs past the end of its sample`);
    span.start = start;
    span.end = start + columnSize;
    span.data = -1;
    if (slot.int32 === undefined) return;
    let data = start;
    if (slot.int32.dynamicDtype && (data >= span.end || this.byteAt(data++) !== 33)) return;
    if (slot.int32.dynamicShape) {
      if (data >= span.end) return;
      const h = this.byteAt(data);
      data += 1 + (h >> 2) * (1 << (h & 3));
    }
    if (data <= span.end) span.data = data;
  }

  /** Pads row `row` of `rows` after `count` tokens (or fails without `padId`). */
  private pad(rows: Int32Array, row: number, count: number): void {
    const T = this.T;
    if (count >= T) return;
    if (this.options.padId === undefined) {
      throw new InvalidArgumentError('tokenBatches', `a sample has ${count} tokens, fewer than seqLen ${T}`, 'pass padId to pad short samples');
    }
    rows.fill(this.options.padId, row * T + count, (row + 1) * T);
  }

  /** Decodes a token column that is not plain int32 elements into row `row` of `rows`. */
  private decodeInto(layout: ColumnLayout, slot: ColumnSlot, columnBytes: Uint8Array, rows: Int32Array, row: number): void {
    const value = layout.encodings[slot.index]!.decode(columnBytes, this.column);
    sampleTokens({ [this.column]: value }, this.options, rows, row * this.T);
  }

  private batchOf(tokens: Int32Array): TokenBatch {
    const batch: TokenBatch = { tokens, batchSize: this.B, seqLen: this.T };
    const pool = this.pool;
    // Batches that own their whole buffer can hand it back (not slots of a group buffer).
    if (pool !== undefined && tokens.byteLength === tokens.buffer.byteLength) {
      let released = false;
      batch.release = () => {
        if (!released) pool.give(tokens.buffer as ArrayBuffer);
        released = true;
      };
    }
    return batch;
  }

  /**
   * Adds one sample from its stored bytes (valid only during the call); returns the batch it
   * completes, if any.
   */
  addSample(bytes: Uint8Array, layout: ColumnLayout, shard: string): TokenBatch | undefined {
    const slot = this.slotOf(layout);
    const span = this.span;
    this.first = bytes;
    this.full.length = 0;
    this.startSample(0);
    this.findTokens(slot, layout, bytes.length, shard);
    if (span.data >= 0) {
      const count = Math.min(this.T, (span.end - span.data) >> 2);
      bytesOf(this.rows).set(bytes.subarray(span.data, span.data + 4 * count), 4 * this.n * this.T);
      this.pad(this.rows, this.n, count);
    } else {
      this.decodeInto(layout, slot, bytes.subarray(span.start, span.end), this.rows, this.n);
    }
    this.first = new Uint8Array(0);
    this.n++;
    if (this.n < this.B) return undefined;
    const batch = this.batchOf(this.rows);
    this.rows = this.allocate();
    this.n = 0;
    return batch;
  }

  /**
   * Adds a run of consecutive samples of one shard (`run.count` at most {@link capacity}); the
   * batches it completes come out of {@link take}.
   */
  addRun(run: TokenRun): void {
    if (run.count > this.capacity) throw new RangeError(`a run of ${run.count} samples exceeds the batcher's capacity of ${this.capacity}`);
    if (run.count > 0 && this.canReadDirect(run)) {
      this.readDirect(run);
      return;
    }
    for (let i = 0; i < run.count; i++) {
      const batch = this.addSample(run.file.sampleBytes(run.index + i), run.layout, run.shard);
      if (batch !== undefined) this.queue.push(batch);
    }
  }

  private canReadDirect(run: TokenRun): boolean {
    const mode = this.options.directRead ?? 'auto';
    if (mode === 'never' || this.slotOf(run.layout).int32 === undefined) return false;
    const { file, index, count } = run;
    const begin = file.sampleStart(index);
    const length = file.sampleStart(index + count) - begin;
    // Small batches are cheaper through the shard's read-ahead window than as many tiny segments.
    if (mode === 'auto' && (length < DIRECT_READ_MIN_BYTES || 4 * this.B * this.T < DIRECT_READ_MIN_BYTES)) return false;
    // Rows move towards the start: row j must end before sample j + 1's stored bytes start.
    const rowBytes = 4 * this.T;
    for (let j = 1; j < count; j++) if (file.sampleStart(index + j) - begin < j * rowBytes) return false;
    const rowsTotal = this.n + count;
    const room = (Math.ceil(rowsTotal / this.B) * this.B - this.n) * rowBytes;
    return length - room <= SIDE_MAX_BYTES;
  }

  private readDirect(run: TokenRun): void {
    const { file, index, count, layout, shard } = run;
    const { B, T } = this;
    const rowBytes = 4 * T;
    const slot = this.slotOf(layout);
    const n0 = this.n;
    // Buffers: the current batch (from row n0), then whole new batches.
    const buffers = [this.rows];
    const extra = Math.ceil((n0 + count) / B) - 1;
    for (let k = 0; k < extra; k++) buffers.push(this.allocate());
    const begin = file.sampleStart(index);
    const length = file.sampleStart(index + count) - begin;
    this.first = bytesOf(this.rows).subarray(n0 * rowBytes);
    this.fullBytes = B * rowBytes;
    this.full = buffers.slice(1).map(bytesOf);
    const room = this.first.length + extra * this.fullBytes;
    if (length > room && this.side.length < length - room) this.side = new Uint8Array(Math.max(length - room, 2 * this.side.length));
    // One preadv of exactly `length` bytes over the segments.
    const views: Uint8Array[] = [];
    let left = length;
    for (const segment of [this.first, ...this.full, this.side]) {
      if (left === 0) break;
      const take = Math.min(left, segment.length);
      views.push(take === segment.length ? segment : segment.subarray(0, take));
      left -= take;
    }
    file.readvInto(begin, views);
    const span = this.span;
    // Headerless samples of exactly one row (`ndarray:int32:<seqLen>` alone): already in place.
    let inPlace = slot.headerBytes === 0 && layout.sizes.length === 1 && layout.sizes[0] === rowBytes &&
      slot.int32 !== undefined && !slot.int32.dynamicDtype && !slot.int32.dynamicShape && length === count * rowBytes;
    // (Every sample must be exactly one row; a corrupt offset table goes the checking way below.)
    for (let j = 1; inPlace && j < count; j++) inPlace = file.sampleStart(index + j) - begin === j * rowBytes;
    for (let j = inPlace ? count : 0; j < count; j++) {
      const s = file.sampleStart(index + j) - begin;
      const size = file.sampleStart(index + j + 1) - begin - s;
      this.startSample(s);
      this.findTokens(slot, layout, size, shard);
      const row = n0 + j;
      const b = Math.floor(row / B);
      const rows = buffers[b]!;
      if (span.data >= 0) {
        const tokens = Math.min(T, (span.end - span.data) >> 2);
        this.copyOut(s + span.data, 4 * tokens, b === 0 ? this.first : this.full[b - 1]!, b === 0 ? j * rowBytes : (row % B) * rowBytes);
        this.pad(rows, row % B, tokens);
      } else {
        // Not plain int32 (a dynamic dtype other than int32): decode a copy of the column.
        const column = new Uint8Array(span.end - span.start);
        for (let i = 0; i < column.length; i++) column[i] = this.byteAt(span.start + i);
        this.decodeInto(layout, slot, column, rows, row % B);
      }
    }
    this.first = new Uint8Array(0);
    this.full = [];
    const rowsTotal = n0 + count;
    const complete = Math.floor(rowsTotal / B);
    for (let k = 0; k < complete; k++) this.queue.push(this.batchOf(buffers[k]!));
    this.n = rowsTotal % B;
    this.rows = complete < buffers.length ? buffers[complete]! : this.allocate();
  }

  /** The last, short batch (undefined if empty or `dropLast`); the batcher is then empty. */
  flush(): TokenBatch | undefined {
    if (this.n === 0 || this.options.dropLast) {
      this.n = 0;
      return undefined;
    }
    const batch = { tokens: this.rows.slice(0, this.n * this.T), batchSize: this.n, seqLen: this.T };
    this.n = 0;
    return batch;
  }
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
  const batcher = new TokenBatcher(options, pool);
  return { map: (bytes, layout, shard) => batcher.addSample(bytes, layout, shard), flush: () => batcher.flush() };
}

/** What {@link epochBatches} needs of an `EpochCursor`. */
export interface RunCursor {
  readonly done: boolean;
  nextRun(max: number): TokenRun | undefined;
  fetchRun(max: number): Promise<TokenRun | undefined>;
  advance(count: number): void;
}

/**
 * One epoch of batches from a cursor (the last, short one included unless `dropLast`),
 * awaiting only when a shard is not local yet.
 *
 * @example
 * ```ts
 * const cursor = await ds.openEpoch();
 * try {
 *   for await (const batch of epochBatches(cursor, new TokenBatcher({ seqLen: 2048, batchSize: 8 }))) train(batch);
 * } finally {
 *   await cursor.close();
 * }
 * ```
 */
export async function* epochBatches(cursor: RunCursor, batcher: TokenBatcher): AsyncGenerator<TokenBatch, void, undefined> {
  for (;;) {
    const ready = batcher.take();
    if (ready !== undefined) {
      yield ready;
      continue;
    }
    const run = cursor.nextRun(batcher.capacity) ?? (cursor.done ? undefined : await cursor.fetchRun(batcher.capacity));
    if (run === undefined) break;
    batcher.addRun(run);
    cursor.advance(run.count);
  }
  const last = batcher.flush();
  if (last !== undefined) yield last;
}
