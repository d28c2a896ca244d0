/**
 * The local shard cache of one dataset (spec §3.2): shard states `remote -> preparing -> local
 * -> (evicted) remote`, downloads and decompression with bounded concurrency, hash checks,
 * `cacheLimit` accounting and least-recently-used eviction.
 *
 * Accounting counts the files this process owns (downloaded index files, shards and
 * decompressed copies); shards read in place from a local source are never counted or
 * deleted. Every state change happens synchronously on the event loop, and sample reads are
 * synchronous, so a shard cannot be evicted in the middle of a read. Several processes may share
 * a cache directory (files appear atomically), but each keeps its own accounting.
 *
 * @example
 * ```ts
 * const cache = new ShardCache(slots, { cacheLimit: 1 << 30, concurrency: 4 });
 * await cache.scan();
 * await cache.ensureLocal(slot, signal);
 * const bytes = cache.readSample(slot, 0);
 * ```
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TEMP_MARKER, writeFileAtomic } from './atomic-file.js';
import { decompressBytes } from './compression.js';
import { CacheLimitError, InvalidArgumentError, ShardIntegrityError } from './errors.js';
import { hashBytes } from './hashing.js';
import type { FileInfo, ShardInfo } from './index-file.js';
import { fetchToFile, joinRemote, type S3Options } from './remote.js';
import { ShardFile } from './shard-file.js';
import type { ResolvedStream } from './stream.js';

/** One shard of one stream and its cache state. */
export interface ShardSlot {
  readonly global: number;
  readonly stream: ResolvedStream;
  readonly info: ShardInfo;
  state: 'remote' | 'preparing' | 'local';
  /** Bytes on disk this cache owns for the shard (counted against cacheLimit). */
  owned: number;
  lastAccess: number;
  rawPath: string | undefined;
  validated: boolean;
  file: ShardFile | undefined;
  preparing: Promise<void> | undefined;
  /** The signal of the call that started `preparing`. */
  preparingSignal: AbortSignal | undefined;
  failure: unknown;
}

/** Options of {@link ShardCache}. */
export interface ShardCacheOptions {
  /** Byte limit for owned files; undefined = unlimited. */
  cacheLimit?: number | undefined;
  /** Shards prepared (downloaded/decompressed) at once. */
  concurrency: number;
  retryDelay?: ((attempt: number) => number) | undefined;
  s3?: S3Options | undefined;
  /** Shard files kept open at once. Default 32. */
  maxOpenFiles?: number;
}

/** Limits how many tasks run at once. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    while (this.active >= this.limit) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    signal?.throwIfAborted();
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * A temp file left by a process that is gone (names carry the writer's pid, see
 * `tempPathFor`); another live process's in-progress download is left alone.
 */
function isStaleTemp(name: string): boolean {
  const at = name.lastIndexOf(TEMP_MARKER);
  if (at < 0) return false;
  const pid = Number(name.slice(at + TEMP_MARKER.length).split('-')[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return false; // another thread of this process (worker threads)
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export class ShardCache {
  /** Owned bytes on disk (index files + cached shard files). */
  usage = 0;
  private clock = 0;
  private readonly semaphore: Semaphore;
  private readonly open: ShardSlot[] = [];
  /** The shard read most recently; eviction avoids it while anything else can go. */
  private current: ShardSlot | undefined;

  constructor(
    readonly slots: readonly ShardSlot[],
    readonly options: ShardCacheOptions,
  ) {
    this.semaphore = new Semaphore(Math.max(1, options.concurrency));
  }

  /** Raw file in the cache (decompressed copy, or download). */
  private ownedRawPath(slot: ShardSlot): string {
    return join(slot.stream.cacheDir, slot.info.rawData.basename);
  }

  /** Compressed file: downloaded into `localDir` (remote) or the source itself. */
  private zipPath(slot: ShardSlot): string | undefined {
    return slot.info.zipData === null ? undefined : join(slot.stream.localDir, slot.info.zipData.basename);
  }

  private sourceRawPath(slot: ShardSlot): string | undefined {
    return slot.stream.remoteDir === undefined ? join(slot.stream.localDir, slot.info.rawData.basename) : undefined;
  }

  /**
   * Validates `cacheLimit` against the shard sizes (at least 4x the largest shard, raw plus
   * compressed, beyond the index files), as upstream does.
   */
  checkLimit(indexBytes: number): void {
    const limit = this.options.cacheLimit;
    if (limit === undefined) return;
    let largest = 0;
    for (const s of this.slots) largest = Math.max(largest, s.info.rawData.bytes + (s.info.zipData?.bytes ?? 0));
    if (limit < indexBytes + 4 * largest) {
      throw new CacheLimitError(limit, indexBytes + 4 * largest, `too small for index files (${indexBytes} bytes) plus 4x the largest shard (${largest} bytes)`);
    }
  }

  /**
   * Startup pass: finds shards already in the cache (complete files only), deletes files whose
   * size does not match `index.json` and temp files left by a crash. A local source directory
   * is only read, never cleaned.
   */
  async scan(): Promise<void> {
    const owned = new Set<string>();
    for (const slot of this.slots) {
      owned.add(slot.stream.cacheDir);
      if (slot.stream.remoteDir !== undefined) owned.add(slot.stream.localDir);
    }
    for (const dir of owned) {
      let names: string[] = [];
      try {
        names = await readdir(dir, { recursive: true });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      await Promise.all(names.filter(isStaleTemp).map((n) => rm(join(dir, n), { force: true })));
    }
    for (const slot of this.slots) {
      const raw = this.ownedRawPath(slot);
      const zip = this.zipPath(slot);
      const source = this.sourceRawPath(slot);
      if (source !== undefined && (await sizeOf(source)) !== undefined) {
        slot.state = 'local';
        slot.rawPath = source;
        continue;
      }
      const rawSize = await sizeOf(raw);
      if (rawSize !== undefined) {
        if (rawSize === slot.info.rawData.bytes) {
          slot.state = 'local';
          slot.rawPath = raw;
          slot.owned += rawSize;
          slot.validated = true;
        } else {
          await rm(raw, { force: true });
        }
      }
      if (zip !== undefined && slot.stream.remoteDir !== undefined) {
        const zipSize = await sizeOf(zip);
        if (zipSize !== undefined) {
          if (zipSize === slot.info.zipData!.bytes) slot.owned += zipSize;
          else await rm(zip, { force: true });
        }
      }
      this.usage += slot.owned;
    }
  }

  /** Marks a read; used for least-recently-used eviction. */
  touch(slot: ShardSlot): void {
    slot.lastAccess = ++this.clock;
    this.current = slot;
  }

  /**
   * Makes the shard's raw file present. Concurrent callers share one preparation. If the
   * preparation was started by a call whose signal aborted, other callers start a new one.
   */
  async ensureLocal(slot: ShardSlot, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      if (slot.failure !== undefined) {
        const failure = slot.failure;
        slot.failure = undefined;
        throw failure;
      }
      if (slot.state === 'local') {
        if (!slot.validated && slot.stream.validateHash !== undefined) await this.validateInPlace(slot);
        return;
      }
      slot.preparing ??= this.startPrepare(slot, signal);
      const startedWith = slot.preparingSignal;
      try {
        await slot.preparing;
      } catch (error) {
        if (slot.failure === error) slot.failure = undefined;
        if (signal?.aborted) throw signal.reason;
        // Started by a caller that has since been cancelled: not our failure, start over.
        if (startedWith?.aborted) continue;
        throw error;
      }
    }
  }

  /**
   * Starts preparing a shard in the background (prefetch). A failure is kept and thrown by the
   * next {@link ensureLocal} of that shard, so it surfaces where the sample is needed.
   */
  prefetch(slot: ShardSlot, signal?: AbortSignal): Promise<void> {
    if (slot.state !== 'remote' || slot.preparing !== undefined) return slot.preparing ?? Promise.resolve();
    slot.preparing = this.startPrepare(slot, signal, true);
    return slot.preparing.catch((error: unknown) => {
      if (!signal?.aborted) slot.failure = error;
    });
  }

  private startPrepare(slot: ShardSlot, signal: AbortSignal | undefined, background = false): Promise<void> {
    slot.state = 'preparing';
    slot.preparingSignal = signal;
    const run = this.semaphore.run(() => this.prepare(slot, signal, background), signal);
    return run.then(
      () => {
        slot.preparing = undefined;
      },
      (error: unknown) => {
        slot.preparing = undefined;
        if (slot.state === 'preparing') slot.state = 'remote';
        throw error;
      },
    );
  }

  private async reserve(slot: ShardSlot, bytes: number, background: boolean): Promise<void> {
    const limit = this.options.cacheLimit;
    if (limit !== undefined) {
      while (this.usage + bytes > limit) {
        const victim = this.pickVictim(slot, background);
        if (victim === undefined) {
          throw new CacheLimitError(limit, this.usage + bytes, `cannot fit ${slot.info.rawData.basename} (${bytes} bytes): ${this.usage} bytes in use and nothing left to evict`);
        }
        await this.evict(victim);
      }
    }
    this.usage += bytes;
  }

  private pickVictim(except: ShardSlot, background: boolean): ShardSlot | undefined {
    let best: ShardSlot | undefined;
    let fallback: ShardSlot | undefined;
    for (const s of this.slots) {
      if (s === except || s.state !== 'local' || s.owned === 0) continue;
      if (s === this.current && background) {
        fallback = s;
        continue;
      }
      if (best === undefined || s.lastAccess < best.lastAccess) best = s;
    }
    return best ?? (background ? undefined : fallback);
  }

  /** Deletes a shard's owned files; it becomes `remote` again. */
  async evict(slot: ShardSlot): Promise<void> {
    if (slot.state !== 'local' || slot.owned === 0) return;
    slot.file?.close();
    slot.file = undefined;
    const index = this.open.indexOf(slot);
    if (index >= 0) this.open.splice(index, 1);
    slot.state = 'remote';
    slot.rawPath = undefined;
    this.usage -= slot.owned;
    slot.owned = 0;
    await rm(this.ownedRawPath(slot), { force: true });
    const zip = this.zipPath(slot);
    if (zip !== undefined && slot.stream.remoteDir !== undefined) await rm(zip, { force: true });
  }

  private async checkHash(slot: ShardSlot, data: Uint8Array, info: FileInfo, path: string): Promise<void> {
    const algo = slot.stream.validateHash;
    if (algo === undefined) return;
    const expected = info.hashes[algo];
    if (expected === undefined) {
      throw new InvalidArgumentError('validateHash', `index.json has no '${algo}' hash for ${info.basename} (it has: ${Object.keys(info.hashes).join(', ') || 'none'})`,
        'validate with one of the hashes the dataset was written with, or none');
    }
    const actual = await hashBytes(algo, data);
    if (actual !== expected) {
      throw new ShardIntegrityError(info.basename, 'hash', `${algo} is ${actual}, index.json says ${expected}`, path);
    }
  }

  private async validateInPlace(slot: ShardSlot): Promise<void> {
    const path = slot.rawPath!;
    await this.checkHash(slot, await readFile(path), slot.info.rawData, path);
    slot.validated = true;
  }

  private async prepare(slot: ShardSlot, signal: AbortSignal | undefined, background: boolean): Promise<void> {
    const { stream, info } = slot;
    const raw = this.ownedRawPath(slot);
    const zip = this.zipPath(slot);
    const fetchOptions = {
      retries: stream.retries,
      timeoutMs: stream.timeoutMs,
      ...(signal === undefined ? {} : { signal }),
      ...(this.options.retryDelay === undefined ? {} : { retryDelay: this.options.retryDelay }),
      ...(this.options.s3 === undefined ? {} : { s3: this.options.s3 }),
    };
    const zipInfo = info.zipData;
    const before = slot.owned;
    let reserved = 0;
    try {
      await mkdir(dirname(raw), { recursive: true });
      if (zip === undefined || zipInfo === null) {
        if (stream.remoteDir === undefined) {
          throw new ShardIntegrityError(info.rawData.basename, 'missing', 'the shard file is missing from the local dataset', join(stream.localDir, info.rawData.basename));
        }
        reserved = info.rawData.bytes;
        await this.reserve(slot, reserved, background);
        await fetchToFile(joinRemote(stream.remoteDir, info.rawData.basename), raw, fetchOptions);
        const got = (await sizeOf(raw)) ?? 0;
        if (got !== info.rawData.bytes) {
          await rm(raw, { force: true });
          throw new ShardIntegrityError(info.rawData.basename, 'size', `downloaded ${got} bytes, index.json says ${info.rawData.bytes}`, raw);
        }
        if (stream.validateHash !== undefined) {
          await this.checkHash(slot, await readFile(raw), info.rawData, raw).catch(async (error: unknown) => {
            await rm(raw, { force: true });
            throw error;
          });
        }
      } else {
        const zipOnDisk = (await sizeOf(zip)) === zipInfo.bytes;
        if (stream.remoteDir === undefined && !zipOnDisk) {
          const present = (await sizeOf(zip)) !== undefined;
          throw new ShardIntegrityError(zipInfo.basename, present ? 'size' : 'missing',
            present ? `file size differs from index.json (${zipInfo.bytes} bytes)` : 'neither the raw nor the compressed shard is in the local dataset', zip);
        }
        reserved = info.rawData.bytes + (zipOnDisk || stream.remoteDir === undefined ? 0 : zipInfo.bytes);
        await this.reserve(slot, reserved, background);
        if (!zipOnDisk) {
          await fetchToFile(joinRemote(stream.remoteDir!, zipInfo.basename), zip, fetchOptions);
        }
        const packed = await readFile(zip);
        const dropZip = async (): Promise<void> => {
          if (stream.remoteDir !== undefined) await rm(zip, { force: true });
        };
        if (packed.length !== zipInfo.bytes) {
          await dropZip();
          throw new ShardIntegrityError(zipInfo.basename, 'size', `${packed.length} bytes, index.json says ${zipInfo.bytes}`, zip);
        }
        try {
          await this.checkHash(slot, packed, zipInfo, zip);
        } catch (error) {
          await dropZip();
          throw error;
        }
        let data: Uint8Array;
        try {
          data = await decompressBytes(info.compression!, packed);
        } catch (cause) {
          await dropZip();
          throw new ShardIntegrityError(zipInfo.basename, 'decompress', `does not decompress as ${info.compression} (${(cause as Error).message})`, zip);
        }
        if (data.length !== info.rawData.bytes) {
          await dropZip();
          throw new ShardIntegrityError(info.rawData.basename, 'size', `decompresses to ${data.length} bytes, index.json says ${info.rawData.bytes}`, zip);
        }
        await writeFileAtomic(raw, data);
        if (!stream.keepZip) await rm(zip, { force: true });
      }
      signal?.throwIfAborted();
    } catch (error) {
      // Count what is left on disk (a failed fetch may have removed a compressed file).
      const left = ((await sizeOf(raw).catch(() => undefined)) ?? 0) +
        (zip !== undefined && stream.remoteDir !== undefined ? ((await sizeOf(zip).catch(() => undefined)) ?? 0) : 0);
      this.usage += left - before - reserved;
      slot.owned = left;
      throw error;
    }
    // Settle the accounting on what is really on disk now.
    const rawSize = (await sizeOf(raw)) ?? 0;
    const zipSize = zip !== undefined && stream.remoteDir !== undefined ? (await sizeOf(zip)) ?? 0 : 0;
    const now = rawSize + zipSize;
    this.usage += now - before - reserved;
    slot.owned = now;
    slot.rawPath = raw;
    slot.validated = true;
    slot.state = 'local';
  }

  /**
   * The bytes of sample `index` of a local shard (a view, valid until the next read), or
   * undefined if the shard is not local (evicted, or its file vanished): call
   * {@link ensureLocal} and try again.
   */
  readSample(slot: ShardSlot, index: number): Uint8Array | undefined {
    return this.openFile(slot)?.sampleBytes(index);
  }

  /**
   * The open {@link ShardFile} of a local shard (marking a read), or undefined if the shard is
   * not local (evicted, or its file vanished): call {@link ensureLocal} and try again. The file
   * stays open until the next `openFile` of another shard may close it (at most `maxOpenFiles`
   * stay open), so use it synchronously.
   */
  openFile(slot: ShardSlot): ShardFile | undefined {
    if (slot.state !== 'local' || slot.rawPath === undefined) return undefined;
    if (slot.file === undefined) {
      try {
        slot.file = new ShardFile(slot.rawPath, slot.info.rawData.basename, slot.info.rawData.bytes, slot.info.samples);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        // Deleted behind our back (another process evicted it): fetch again.
        this.usage -= slot.owned;
        slot.owned = 0;
        slot.state = 'remote';
        slot.rawPath = undefined;
        return undefined;
      }
      this.open.push(slot);
      const max = this.options.maxOpenFiles ?? 32;
      while (this.open.length > max) {
        const old = this.open.shift()!;
        old.file?.close();
        old.file = undefined;
      }
    }
    this.touch(slot);
    return slot.file;
  }

  /** Closes every open shard file. */
  close(): void {
    for (const slot of this.open) {
      slot.file?.close();
      slot.file = undefined;
    }
    this.open.length = 0;
  }
}
