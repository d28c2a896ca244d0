/**
 * Reading samples from a raw MDS shard on disk. The constructor checks the file against
 * `index.json` (size, sample count, offsets) and throws a {@link ShardIntegrityError} naming the
 * shard if anything is off. Sample reads are synchronous `pread`s, with a read-ahead window
 * when samples are read in order, so both sequential scans and random access stay cheap.
 *
 * @example
 * ```ts
 * const file = new ShardFile('/cache/shard.00000.mds', 'shard.00000.mds', 8015, 17);
 * const bytes = file.sampleBytes(3); // valid until the next read
 * file.close();
 * ```
 */
import { closeSync, fstatSync, openSync, readSync, readvSync } from 'node:fs';
import { ShardIntegrityError } from './errors.js';

const READ_AHEAD = 1 << 20;

export class ShardFile {
  readonly numSamples: number;
  private fd: number | undefined;
  private readonly offsets: Uint32Array;
  private chunk: Uint8Array | undefined;
  private chunkStart = 0;
  private chunkLength = 0;
  private lastIndex = -2;

  constructor(
    readonly path: string,
    readonly name: string,
    expectedBytes: number,
    expectedSamples: number,
  ) {
    this.fd = openSync(path, 'r');
    try {
      const size = fstatSync(this.fd).size;
      if (size !== expectedBytes) {
        throw new ShardIntegrityError(name, 'size', `file has ${size} bytes, index.json says ${expectedBytes}${size < expectedBytes ? ' (truncated)' : ''}`, path);
      }
      const head = this.readAt(0, Math.min(size, 4));
      if (head.length < 4) throw new ShardIntegrityError(name, 'structure', 'file too short for an MDS header', path);
      const n = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
      if (n !== expectedSamples) {
        throw new ShardIntegrityError(name, 'structure', `header says ${n} samples, index.json says ${expectedSamples}`, path);
      }
      const tableBytes = 4 * (n + 1);
      if (4 + tableBytes > size) throw new ShardIntegrityError(name, 'structure', 'offset table runs past the end of the file', path);
      this.offsets = new Uint32Array(this.readAt(4, tableBytes).slice().buffer);
      let previous = 4 + tableBytes;
      for (let i = 0; i <= n; i++) {
        const o = this.offsets[i]!;
        if (o < previous || o > size) throw new ShardIntegrityError(name, 'structure', `offset ${i} (${o}) is out of order or past the end`, path);
        previous = o;
      }
      if (this.offsets[n] !== size) throw new ShardIntegrityError(name, 'structure', `the last offset is ${this.offsets[n]} but the file has ${size} bytes`, path);
      this.numSamples = n;
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private readAt(position: number, length: number, into?: Uint8Array): Uint8Array {
    if (this.fd === undefined) throw new Error(`${this.name} is closed`);
    const buffer = into !== undefined && into.length >= length ? into : new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buffer, done, length - done, position + done);
      if (n === 0) throw new ShardIntegrityError(this.name, 'size', `file ended at byte ${position + done} (truncated while open)`, this.path);
      done += n;
    }
    return buffer.subarray(0, length);
  }

  /** Byte offset in the file where sample `i` starts; `sampleStart(numSamples)` is the file size. */
  sampleStart(i: number): number {
    const o = this.offsets[i];
    if (o === undefined) throw new ShardIntegrityError(this.name, 'structure', `sample ${i} is outside 0..${this.numSamples}`, this.path);
    return o;
  }

  /** Whether {@link close} was called (a closed file reopens only through the shard cache). */
  get closed(): boolean {
    return this.fd === undefined;
  }

  /**
   * Reads `length` bytes at file offset `position` straight into `target` at `targetOffset`
   * (one `pread`, no intermediate buffer): for callers that assemble batches themselves.
   */
  readInto(position: number, length: number, target: Uint8Array, targetOffset = 0): void {
    if (targetOffset < 0 || targetOffset + length > target.length) {
      throw new RangeError(`${this.name}: ${length} bytes do not fit at ${targetOffset} in a ${target.length}-byte buffer`);
    }
    this.readAt(position, length, target.subarray(targetOffset, targetOffset + length));
  }

  /**
   * Reads the file from `position` into `targets` in order, filling each completely (one
   * `preadv`, repeated only after a short read): for callers that scatter straight into batches.
   */
  readvInto(position: number, targets: readonly Uint8Array[]): void {
    if (this.fd === undefined) throw new Error(`${this.name} is closed`);
    let views = targets;
    let total = 0;
    for (const t of targets) total += t.length;
    let done = 0;
    while (done < total) {
      const n = readvSync(this.fd, views as Uint8Array[], position + done);
      if (n === 0) throw new ShardIntegrityError(this.name, 'size', `file ended at byte ${position + done} (truncated while open)`, this.path);
      done += n;
      if (done === total) break;
      // Short read: drop the filled views and the filled part of the next one.
      let skip = n;
      let k = 0;
      while (skip >= views[k]!.length) skip -= views[k++]!.length;
      views = [views[k]!.subarray(skip), ...views.slice(k + 1)];
    }
  }

  /** The bytes of sample `i` (a view, valid until the next call). */
  sampleBytes(i: number): Uint8Array {
    if (!(i >= 0 && i < this.numSamples)) {
      throw new ShardIntegrityError(this.name, 'structure', `sample ${i} is outside 0..${this.numSamples - 1}`, this.path);
    }
    const begin = this.offsets[i]!;
    const end = this.offsets[i + 1]!;
    const sequential = i === this.lastIndex + 1;
    this.lastIndex = i;
    if (this.chunk !== undefined && begin >= this.chunkStart && end <= this.chunkStart + this.chunkLength) {
      return this.chunk.subarray(begin - this.chunkStart, end - this.chunkStart);
    }
    if (!sequential) return this.readAt(begin, end - begin);
    const fileEnd = this.offsets[this.numSamples]!;
    const length = Math.min(fileEnd - begin, Math.max(end - begin, READ_AHEAD));
    this.chunk = this.readAt(begin, length, this.chunk !== undefined && this.chunk.buffer.byteLength >= length ? new Uint8Array(this.chunk.buffer) : undefined);
    this.chunkStart = begin;
    this.chunkLength = length;
    return this.chunk.subarray(0, end - begin);
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    this.chunk = undefined;
  }
}
