/**
 * `MDSWriter`: writes samples into MDS shards plus `index.json`, byte-identical to
 * mosaicml-streaming's `MDSWriter` for the same input (spec §1.6). Each shard and the index are
 * written atomically; `index.json` is written last, so a crash never leaves an index that names
 * a missing or partial shard.
 *
 * @example
 * ```ts
 * const writer = new MDSWriter({
 *   out: 'data/train',
 *   columns: { text: 'str', tokens: 'ndarray:int32' },
 *   compression: 'zstd',
 *   hashes: ['sha1', 'xxh64'],
 *   sizeLimit: '64mb',
 * });
 * await writer.write({ text: 'hello', tokens: new Int32Array([1, 2, 3]) });
 * await writer.finish();
 * ```
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { compressBytes, parseCompression } from './compression.js';
import { InvalidArgumentError, StreamingError } from './errors.js';
import { assertHashAlgorithm, hashBytes } from './hashing.js';
import { serializeIndex, shardConfigJson, type DatasetIndex, type FileInfo, type ShardInfo } from './index-file.js';
import { buildShard, columnLayout, encodeSample, type ColumnLayout } from './shard.js';
import { parseSize } from './size.js';

/** Options of {@link MDSWriter} (camelCase of upstream's arguments). */
export interface MDSWriterOptions {
  /** Local output directory (created if missing). */
  out: string;
  /** Column name -> MDS encoding (`str`, `int`, `ndarray:int32`, ...). */
  columns: Readonly<Record<string, string>>;
  /** `zstd`, `zstd:<level>`, `gz[:level]`, `br[:level]`, `snappy`, or null (default). */
  compression?: string | null;
  /** Hash algorithms, sorted and unique (e.g. `['sha1', 'xxh64']`). Default none. */
  hashes?: readonly string[];
  /** Shard size limit in bytes or as text (`'64mb'`); null or 0 for one shard. Default 1 << 26. */
  sizeLimit?: number | string | null;
  /** Allow writing into a non-empty directory. Default false. */
  existOk?: boolean;
}

/** Upstream's default `size_limit`. */
export const DEFAULT_SIZE_LIMIT = 1 << 26;

const encoder = new TextEncoder();

/**
 * Writes an MDS dataset. `write` and `finish` may be called without awaiting each one; they
 * run in call order.
 *
 * @example
 * ```ts
 * const w = new MDSWriter({ out: dir, columns: { id: 'int', text: 'str' }, sizeLimit: 1 << 20 });
 * for (const [i, text] of lines.entries()) await w.write({ id: BigInt(i), text });
 * const index = await w.finish();
 * console.log(index.shards.length);
 * ```
 */
export class MDSWriter {
  readonly out: string;
  readonly compression: string | null;
  readonly hashes: readonly string[];
  readonly sizeLimit: number | null;
  private readonly layout: ColumnLayout;
  private readonly config: Uint8Array;
  private readonly base: Omit<ShardInfo, 'rawData' | 'zipData' | 'samples'>;
  private readonly extension: string | null;
  private samples: Uint8Array[] = [];
  private shardSize: number;
  private readonly shards: ShardInfo[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private state: 'open' | 'finished' | 'failed' = 'open';

  constructor(options: MDSWriterOptions) {
    const where = 'MDSWriter';
    if (!options.columns || Object.keys(options.columns).length === 0) {
      throw new InvalidArgumentError(where, 'columns must name at least one column');
    }
    this.layout = columnLayout(options.columns);
    this.compression = options.compression ?? null;
    this.extension = this.compression === null ? null : parseCompression(this.compression).extension;
    const hashes = [...(options.hashes ?? [])];
    for (const h of hashes) assertHashAlgorithm(h, where);
    for (let i = 1; i < hashes.length; i++) {
      if (hashes[i - 1]! >= hashes[i]!) {
        throw new InvalidArgumentError(where, `hashes must be sorted and unique, got [${hashes.join(', ')}]`, `pass [${[...new Set(hashes)].sort().join(', ')}]`);
      }
    }
    this.hashes = hashes;
    const limit = options.sizeLimit === undefined ? DEFAULT_SIZE_LIMIT : options.sizeLimit === null ? null : parseSize(options.sizeLimit, `${where} sizeLimit`);
    if (limit !== null && limit >= 2 ** 32) {
      throw new InvalidArgumentError(where, `sizeLimit ${limit} must be below 2^32 bytes (offsets are u32)`);
    }
    this.sizeLimit = limit === 0 ? null : limit;
    this.base = {
      format: 'mds',
      version: 2,
      columnEncodings: [...this.layout.encodingNames],
      columnNames: [...this.layout.names],
      columnSizes: [...this.layout.sizes],
      compression: this.compression,
      hashes: [...hashes],
      sizeLimit: limit,
    };
    this.config = encoder.encode(shardConfigJson(this.base));
    this.shardSize = this.emptyShardSize();
    this.out = options.out;
    if (existsSync(this.out) && readdirSync(this.out).length > 0 && !options.existOk) {
      throw new InvalidArgumentError(where, `output directory ${this.out} is not empty`, 'pass existOk: true to write into it anyway, or choose an empty directory');
    }
    mkdirSync(this.out, { recursive: true });
  }

  private emptyShardSize(): number {
    return 4 + 4 + this.config.length;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.state === 'failed') throw new StreamingError('MDSWriter: an earlier write failed; this writer can no longer be used');
      return task();
    });
    this.queue = run.catch(() => {
      this.state = 'failed';
    });
    return run;
  }

  /**
   * Encodes and buffers one sample; flushes the current shard first when the sample would push
   * it past `sizeLimit` (as upstream, an oversize sample gets a shard of its own, and the
   * first shard may hold zero samples when the header alone plus the first sample is too big).
   */
  write(sample: Readonly<Record<string, unknown>>): Promise<void> {
    if (this.state === 'finished') return Promise.reject(new StreamingError('MDSWriter: write() after finish()'));
    // Encode synchronously so that errors name the sample's call site and the caller may reuse
    // its buffers right away.
    let encoded: Uint8Array;
    try {
      encoded = encodeSample(this.layout, sample);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(async () => {
      const added = encoded.length + 4;
      if (this.sizeLimit !== null && this.sizeLimit < this.shardSize + added) {
        await this.flushShard();
      }
      this.samples.push(encoded);
      this.shardSize += added;
    });
  }

  /** Flushes the last shard and writes `index.json`; returns the index. */
  finish(): Promise<DatasetIndex> {
    if (this.state === 'finished') return Promise.reject(new StreamingError('MDSWriter: finish() called twice'));
    const result = this.enqueue(async () => {
      if (this.samples.length > 0) await this.flushShard();
      const index: DatasetIndex = { shards: this.shards };
      await writeFileAtomic(join(this.out, 'index.json'), serializeIndex(index));
      return index;
    });
    this.state = 'finished';
    return result;
  }

  private async fileInfo(basename: string, data: Uint8Array): Promise<FileInfo> {
    const hashes: Record<string, string> = {};
    for (const algo of this.hashes) hashes[algo] = await hashBytes(algo, data);
    return { basename, bytes: data.length, hashes };
  }

  private async flushShard(): Promise<void> {
    const basename = `shard.${String(this.shards.length).padStart(5, '0')}.mds`;
    const raw = buildShard(this.config, this.samples);
    const rawData = await this.fileInfo(basename, raw);
    let zipData: FileInfo | null = null;
    if (this.compression !== null) {
      const zip = await compressBytes(this.compression, raw);
      zipData = await this.fileInfo(`${basename}.${this.extension}`, zip);
      await writeFileAtomic(join(this.out, zipData.basename), zip);
    } else {
      await writeFileAtomic(join(this.out, basename), raw);
    }
    this.shards.push({ ...this.base, samples: this.samples.length, rawData, zipData });
    this.samples = [];
    this.shardSize = this.emptyShardSize();
  }
}
