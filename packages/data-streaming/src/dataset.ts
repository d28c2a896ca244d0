/**
 * `StreamingDataset`: one or more MDS streams read through a local cache, in an order given
 * by a pluggable `SampleOrderFactory` (spec §2-3; by default mosaicml-streaming's). Random
 * access with `get(i)` over the underlying samples; `for await` iterates one epoch of this
 * rank's samples in data loader order while shards are pre-downloaded ahead of the read cursor.
 *
 * @example
 * ```ts
 * const ds = await StreamingDataset.create({
 *   remote: 's3://bucket/c4', local: '/tmp/c4', split: 'train',
 *   batchSize: 8, cacheLimit: '10gb', s3: { endpoint: 'http://127.0.0.1:9000' },
 * });
 * console.log(ds.length, await ds.get(0));
 * for await (const sample of ds) consume(sample);
 * ```
 */
import { Buffer } from 'node:buffer';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { assertDecodable, type Sample } from './encodings.js';
import { InvalidArgumentError, MDSFormatError, StreamingError } from './errors.js';
import { parseIndex, type ShardInfo } from './index-file.js';
import { fetchToFile, joinRemote } from './remote.js';
import { dataLoaderOrder, type EpochPartition, type SampleOrder, type World } from './sample-order.js';
import { mosaicSampleOrder } from './order/index.js';
import { ShardCache, type ShardSlot } from './shard-cache.js';
import type { ShardFile } from './shard-file.js';
import { decodeSample, layoutOfShard, type ColumnLayout } from './shard.js';
import { parseSize } from './size.js';
import { resolveStreams, type ResolvedStream, type StreamOptions } from './stream.js';
import {
  normalizeState, type IterateOptions, type SampleLocation, type SampleMapper, type StreamingDatasetOptions, type StreamingState,
} from './dataset-options.js';

export { normalizeState, toPythonState } from './dataset-options.js';
export type { IterateOptions, SampleLocation, SampleMapper, StreamingDatasetOptions, StreamingState } from './dataset-options.js';

/** The read cursor, shared with the prefetch loop (woken once the cursor reaches `until`). */
interface Progress {
  cursor: number;
  until: number;
  wake: (() => void) | undefined;
}

const decodeMapper: SampleMapper<Sample> = (bytes, layout, shard) => decodeSample(layout, bytes, shard);

function envInt(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
}

function positiveInt(where: string, name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError(where, `${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * A streaming dataset over MDS shards. Call `await ds.init()` (or use
 * {@link StreamingDataset.create}) before reading `length`; `get` and iteration initialise on
 * their own.
 *
 * @example
 * ```ts
 * const ds = new StreamingDataset({ local: './data', batchSize: 4 });
 * await ds.init();
 * for await (const sample of ds) console.log(sample.text);
 * ```
 */
export class StreamingDataset implements AsyncIterable<Sample> {
  readonly streams: readonly ResolvedStream[];
  readonly world: World;
  readonly batchSize: number;
  readonly predownload: number;
  readonly cacheLimit: number | undefined;
  private readonly options: StreamingDatasetOptions;
  private initPromise: Promise<void> | undefined;
  private cache: ShardCache | undefined;
  private slots: ShardSlot[] = [];
  private layouts: ColumnLayout[] = [];
  private shardSampleStart = new Float64Array(1);
  private streamShardStart: number[] = [];
  private order: SampleOrder | undefined;
  private orderKey = '';
  private shuffleSeed: number;
  private numCanonicalNodes: number | undefined;
  private nextEpoch = 0;
  private resume: StreamingState | undefined;
  private epochOffset = 0;
  /** The last epoch's plan and runs, reused while the order stays the same (see `runsOf`). */
  private lastPlan: {
    worker: number | undefined;
    source: EpochPartition['ids'];
    workers: number;
    batchesPerWorker: number;
    batchSize: number;
    ids: Float64Array;
  } | undefined;
  private lastRuns: { ids: Float64Array; shards: Int32Array; runEnd: Int32Array } | undefined;
  private yieldedThisEpoch = 0;

  constructor(options: StreamingDatasetOptions) {
    const where = 'StreamingDataset';
    this.options = options;
    const streamOptions: readonly StreamOptions[] =
      options.streams ??
      (options.remote === undefined && options.local === undefined
        ? []
        : [{ remote: options.remote, local: options.local, split: options.split }]);
    if (streamOptions.length === 0) throw new InvalidArgumentError(where, 'give remote and/or local, or streams');
    if (options.streams !== undefined && (options.remote !== undefined || options.local !== undefined)) {
      throw new InvalidArgumentError(where, 'give either streams or remote/local, not both');
    }
    this.streams = resolveStreams(
      streamOptions.map((s) => (options.streams === undefined ? s : { split: options.split, ...s })),
      {
        downloadRetry: options.downloadRetry ?? 2,
        downloadTimeout: options.downloadTimeout ?? 60,
        validateHash: options.validateHash,
        keepZip: options.keepZip ?? false,
        cacheDir: options.cacheDir,
      },
    );
    const worldSize = positiveInt(where, 'worldSize', options.worldSize ?? envInt('WORLD_SIZE') ?? 1);
    const ranksPerNode = positiveInt(where, 'localWorldSize', options.localWorldSize ?? envInt('LOCAL_WORLD_SIZE') ?? 1);
    const rank = options.rank ?? envInt('RANK') ?? 0;
    if (worldSize % ranksPerNode !== 0) throw new InvalidArgumentError(where, `worldSize ${worldSize} is not a multiple of localWorldSize ${ranksPerNode}`);
    if (!Number.isSafeInteger(rank) || rank < 0 || rank >= worldSize) throw new InvalidArgumentError(where, `rank ${rank} is outside 0..${worldSize - 1}`);
    this.world = {
      numNodes: worldSize / ranksPerNode,
      ranksPerNode,
      rank,
      workersPerRank: positiveInt(where, 'numWorkers', Math.max(1, options.numWorkers ?? 1)),
    };
    this.batchSize = positiveInt(where, 'batchSize', options.batchSize ?? 1);
    this.predownload = options.predownload ?? (options.batchSize !== undefined ? 8 * options.batchSize : 64);
    this.cacheLimit = options.cacheLimit === undefined ? undefined : parseSize(options.cacheLimit, `${where} cacheLimit`);
    this.shuffleSeed = options.shuffleSeed ?? 9176;
    this.numCanonicalNodes = options.numCanonicalNodes;
  }

  /**
   * Constructs and initialises a dataset.
   *
   * @example
   * ```ts
   * const ds = await StreamingDataset.create({ local: './data' });
   * ```
   */
  static async create(options: StreamingDatasetOptions): Promise<StreamingDataset> {
    const ds = new StreamingDataset(options);
    await ds.init();
    return ds;
  }

  /** Loads (downloading if needed) every stream's `index.json` and scans the cache. Idempotent. */
  init(): Promise<void> {
    this.initPromise ??= this.load().catch((error: unknown) => {
      this.initPromise = undefined;
      throw error;
    });
    return this.initPromise;
  }

  private async loadIndex(stream: ResolvedStream): Promise<{ shards: ShardInfo[]; ownedBytes: number }> {
    const path = join(stream.localDir, 'index.json');
    let ownedBytes = 0;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
      if (stream.remoteDir !== undefined) ownedBytes = (await stat(path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (stream.remoteDir === undefined) {
        throw new MDSFormatError(path, 'no index.json in the local dataset directory', 'check local and split, or give a remote to download from');
      }
      await mkdir(stream.localDir, { recursive: true });
      await fetchToFile(joinRemote(stream.remoteDir, 'index.json'), path, {
        retries: stream.retries,
        timeoutMs: stream.timeoutMs,
        ...(this.options.signal === undefined ? {} : { signal: this.options.signal }),
        ...(this.options.retryDelay === undefined ? {} : { retryDelay: this.options.retryDelay }),
        ...(this.options.s3 === undefined ? {} : { s3: this.options.s3 }),
      });
      text = await readFile(path, 'utf8');
      ownedBytes = Buffer.byteLength(text);
    }
    return { shards: parseIndex(text, path).shards, ownedBytes };
  }

  private async load(): Promise<void> {
    const decode = { exactJson: this.options.exactJson ?? false, rawUnsupported: this.options.rawUnsupported ?? false };
    const indexes = await Promise.all(this.streams.map((s) => this.loadIndex(s)));
    const slots: ShardSlot[] = [];
    const layouts: ColumnLayout[] = [];
    const starts: number[] = [0];
    const layoutCache = new Map<string, ColumnLayout>();
    this.streamShardStart = [];
    indexes.forEach(({ shards }, s) => {
      this.streamShardStart.push(slots.length);
      for (const info of shards) {
        const key = JSON.stringify([info.columnNames, info.columnEncodings, info.columnSizes]);
        let layout = layoutCache.get(key);
        if (layout === undefined) {
          assertDecodable(Object.fromEntries(info.columnNames.map((n, i) => [n, info.columnEncodings[i]!])), decode);
          layout = layoutOfShard(info, decode);
          layoutCache.set(key, layout);
        }
        layouts.push(layout);
        slots.push({
          global: slots.length, stream: this.streams[s]!, info, state: 'remote', owned: 0, lastAccess: 0,
          rawPath: undefined, validated: false, file: undefined, preparing: undefined, preparingSignal: undefined, failure: undefined,
        });
        starts.push(starts[starts.length - 1]! + info.samples);
      }
    });
    this.streamShardStart.push(slots.length);
    const cache = new ShardCache(slots, {
      cacheLimit: this.cacheLimit,
      concurrency: this.options.downloadConcurrency ?? 4,
      retryDelay: this.options.retryDelay,
      s3: this.options.s3,
    });
    const indexBytes = indexes.reduce((a, b) => a + b.ownedBytes, 0);
    cache.checkLimit(indexBytes);
    await cache.scan();
    cache.usage += indexBytes;
    this.cache = cache;
    this.slots = slots;
    this.layouts = layouts;
    this.shardSampleStart = Float64Array.from(starts);
    this.order = this.buildOrder();
  }

  private buildOrder(): SampleOrder {
    const key = JSON.stringify([this.shuffleSeed, this.numCanonicalNodes]);
    if (this.order !== undefined && key === this.orderKey) return this.order;
    const o = this.options;
    const factory = o.sampleOrder ?? mosaicSampleOrder;
    this.orderKey = key;
    this.order = factory({
      streams: this.streams.map((s, i) => ({
        shardSizes: this.slots.slice(this.streamShardStart[i], this.streamShardStart[i + 1]).map((slot) => slot.info.samples),
        ...(s.proportion === undefined ? {} : { proportion: s.proportion }),
        ...(s.repeat === undefined ? {} : { repeat: s.repeat }),
        ...(s.choose === undefined ? {} : { choose: s.choose }),
      })),
      epochSize: o.epochSize,
      world: this.world,
      batchSize: this.batchSize,
      shuffle: o.shuffle ?? false,
      shuffleAlgo: o.shuffleAlgo ?? 'py1e',
      shuffleSeed: this.shuffleSeed,
      shuffleBlockSize: o.shuffleBlockSize,
      numCanonicalNodes: this.numCanonicalNodes,
      partitionAlgo: o.partitionAlgo ?? 'relaxed',
      samplingMethod: o.samplingMethod ?? 'balanced',
      samplingGranularity: o.samplingGranularity ?? 1,
      batchingMethod: o.batchingMethod ?? 'random',
    });
    return this.order;
  }

  private ready(): { order: SampleOrder; cache: ShardCache } {
    if (this.order === undefined || this.cache === undefined) {
      throw new StreamingError('StreamingDataset is not initialised', { hint: 'await ds.init() (or use StreamingDataset.create) first' });
    }
    return { order: this.order, cache: this.cache };
  }

  /** Samples this rank yields per epoch: `ceil(epochSize / ranks)` (upstream `__len__`). */
  get length(): number {
    const ranks = this.world.numNodes * this.world.ranksPerNode;
    return Math.ceil(this.ready().order.epochSize / ranks);
  }

  /** Samples per epoch over all ranks (after stream weights). */
  get epochSize(): number {
    return this.ready().order.epochSize;
  }

  /** Underlying samples over all streams (the range of `get`). */
  get numSamples(): number {
    this.ready();
    return this.shardSampleStart[this.shardSampleStart.length - 1]!;
  }

  /** Bytes of the local cache in use (owned index and shard files). */
  get cacheUsage(): number {
    return this.ready().cache.usage;
  }

  private shardOf(id: number): number {
    const starts = this.shardSampleStart;
    let lo = 0;
    let hi = starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Where global sample `i` is stored.
   *
   * @example
   * ```ts
   * ds.locate(20); // { stream: 0, shard: 1, indexInShard: 3, basename: 'shard.00001.mds' }
   * ```
   */
  locate(i: number): SampleLocation {
    const n = this.numSamples;
    if (!Number.isSafeInteger(i) || i < 0 || i >= n) {
      throw new InvalidArgumentError('StreamingDataset.get', `sample ${i} is outside 0..${n - 1}`);
    }
    const g = this.shardOf(i);
    const slot = this.slots[g]!;
    return {
      stream: slot.stream.id,
      shard: g - this.streamShardStart[slot.stream.id]!,
      indexInShard: i - this.shardSampleStart[g]!,
      basename: slot.info.rawData.basename,
    };
  }

  private combine(signal?: AbortSignal): AbortSignal | undefined {
    const signals = [signal, this.options.signal].filter((s): s is AbortSignal => s !== undefined);
    return signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  }

  private async read<T>(id: number, signal: AbortSignal | undefined, map: SampleMapper<T>): Promise<T> {
    const { cache } = this.ready();
    const g = this.shardOf(id);
    const slot = this.slots[g]!;
    const index = id - this.shardSampleStart[g]!;
    for (let attempt = 0; attempt < 8; attempt++) {
      await cache.ensureLocal(slot, signal);
      const bytes = cache.readSample(slot, index);
      if (bytes !== undefined) return map(bytes, this.layouts[g]!, slot.info.rawData.basename);
    }
    throw new StreamingError(`shard ${slot.info.rawData.basename} kept disappearing from the cache`, {
      hint: 'another process is evicting it: give each job its own local directory or a larger cacheLimit',
    });
  }

  /**
   * Global sample `i` (0 <= i < `numSamples`, streams concatenated, no shuffling), fetching its
   * shard if needed.
   *
   * @example
   * ```ts
   * const sample = await ds.get(0, { signal: AbortSignal.timeout(10_000) });
   * ```
   */
  async get(i: number, options: { signal?: AbortSignal } = {}): Promise<Sample> {
    await this.init();
    this.locate(i);
    return this.read(i, this.combine(options.signal), decodeMapper);
  }

  /**
   * The global sample ids this rank yields in the coming epoch (data loader order, or one
   * worker's), taking a loaded state dict into account.
   */
  private planEpoch(worker: number | undefined): { epoch: number; ids: Float64Array; offset: number } {
    let epoch = this.nextEpoch;
    let offset = 0;
    let initialPhysicalNodes: number | undefined;
    if (this.resume !== undefined && this.resume.epoch >= epoch) {
      epoch = this.resume.epoch;
      offset = this.resume.sampleInEpoch;
      this.shuffleSeed = this.resume.shuffleSeed;
      this.numCanonicalNodes = this.resume.numCanonicalNodes;
      initialPhysicalNodes = this.resume.initialPhysicalNodes;
    }
    this.resume = undefined;
    const order = this.buildOrder();
    const partition = order.getPartition(epoch, offset, initialPhysicalNodes);
    let ids: Float64Array;
    const last = this.lastPlan;
    if (last !== undefined && last.worker === worker && last.workers === partition.workers &&
      last.batchesPerWorker === partition.batchesPerWorker && last.batchSize === partition.batchSize && sameElements(last.source, partition.ids)) {
      // The same order as the last epoch (unshuffled): reuse its ids (and, in openEpoch, its runs).
      ids = last.ids;
    } else if (worker === undefined) ids = dataLoaderOrder(partition);
    else {
      if (!Number.isSafeInteger(worker) || worker < 0 || worker >= partition.workers) {
        throw new InvalidArgumentError('StreamingDataset.iterate', `worker ${worker} is outside 0..${partition.workers - 1}`);
      }
      const size = partition.batchesPerWorker * partition.batchSize;
      const block = Array.from(partition.ids.subarray(worker * size, (worker + 1) * size) as ArrayLike<number | bigint>, Number);
      ids = Float64Array.from(block.filter((x) => x >= 0));
    }
    if (last?.ids !== ids) {
      const { workers, batchesPerWorker, batchSize } = partition;
      this.lastPlan = { worker, source: partition.ids.slice(), workers, batchesPerWorker, batchSize, ids };
    }
    this.nextEpoch = epoch + 1;
    return { epoch, ids, offset };
  }

  /**
   * Iterates one epoch of this rank's samples (each call starts the next epoch, or resumes a
   * loaded state). Shards are fetched up to `predownload` samples ahead.
   *
   * @example
   * ```ts
   * const controller = new AbortController();
   * for await (const s of ds.iterate({ signal: controller.signal })) if (done(s)) controller.abort();
   * ```
   */
  iterate(options: IterateOptions = {}): AsyncGenerator<Sample, void, undefined> {
    // The mapped generator itself (no second generator around it: one fewer await per sample).
    return this.iterateMapped(decodeMapper, options);
  }

  /**
   * Like {@link iterate}, but hands each sample's stored bytes to `map` (synchronously, in
   * order; the bytes are valid only during the call) and yields what `map` returns, skipping
   * `undefined`. Samples whose shards are local are read without awaiting, so a `map` that
   * fills a preallocated batch and returns it when full runs at close to raw read speed.
   *
   * @example
   * ```ts
   * let rows = 0;
   * for await (const n of ds.iterateMapped((bytes) => (++rows % 1000 === 0 ? rows : undefined))) console.log(n);
   * ```
   */
  async *iterateMapped<T>(map: SampleMapper<T>, options: IterateOptions = {}): AsyncGenerator<Exclude<T, undefined>, void, undefined> {
    const cursor = await this.openEpoch(options);
    try {
      for (;;) {
        const run = cursor.nextRun(Infinity) ?? (cursor.done ? undefined : await cursor.fetchRun(Infinity));
        if (run === undefined) break;
        for (let i = 0; i < run.count; i++) {
          const value = map(run.file.sampleBytes(run.index + i), run.layout, run.shard);
          cursor.advance(1);
          if (value !== undefined) {
            yield value as Exclude<T, undefined>;
            // The consumer ran: the shard may have been closed or evicted meanwhile.
            if (!cursor.stillReady(run)) break;
          }
        }
      }
    } finally {
      await cursor.close();
    }
  }

  /**
   * Starts one epoch (like {@link iterateMapped}) as a cursor over runs of consecutive samples
   * of one local shard, for readers that assemble whole batches without per-sample awaits
   * (the token batch loader). Internal: call `close()` when done.
   *
   * @internal
   */
  async openEpoch(options: IterateOptions = {}): Promise<EpochCursor> {
    await this.init();
    const { cache } = this.ready();
    const { ids, offset } = this.planEpoch(options.worker);
    this.epochOffset = offset;
    this.yieldedThisEpoch = 0;
    const stop = new AbortController();
    const outer = this.combine(options.signal);
    const signal = outer === undefined ? stop.signal : AbortSignal.any([stop.signal, outer]);
    const { shards, runEnd } = this.runsOf(ids);
    const progress: Progress = { cursor: 0, until: 0, wake: undefined };
    const prefetch = this.prefetchLoop(shards, runEnd, progress, signal, cache);
    return new EpochCursor({
      ids, shards, runEnd, progress, prefetch, stop, signal, cache,
      slots: this.slots, layouts: this.layouts, starts: this.shardSampleStart,
      onAdvance: (count) => {
        this.yieldedThisEpoch += count;
      },
    });
  }

  /**
   * Each position's shard, and `runEnd[p]`: one past the last position of the run of
   * consecutive ids in one shard from `p`. The last epoch's arrays are reused when its ids
   * are the same (an unshuffled order, every epoch); they are only read.
   */
  private runsOf(ids: Float64Array): { shards: Int32Array; runEnd: Int32Array } {
    const n = ids.length;
    if (this.lastRuns?.ids === ids) return this.lastRuns;
    const shards = new Int32Array(n);
    const starts = this.shardSampleStart;
    for (let p = 0, g = 0; p < n; p++) {
      const id = ids[p]!;
      // Consecutive ids mostly stay in one shard: check it before searching.
      if (!(id >= starts[g]! && id < starts[g + 1]!)) g = this.shardOf(id);
      shards[p] = g;
    }
    const runEnd = new Int32Array(n);
    for (let p = n - 1; p >= 0; p--) {
      runEnd[p] = p + 1 < n && shards[p + 1] === shards[p] && ids[p + 1] === ids[p]! + 1 ? runEnd[p + 1]! : p + 1;
    }
    this.lastRuns = { ids, shards, runEnd };
    return this.lastRuns;
  }

  [Symbol.asyncIterator](): AsyncGenerator<Sample, void, undefined> {
    return this.iterate();
  }

  private async prefetchLoop(
    shards: Int32Array,
    runEnd: Int32Array,
    progress: Progress,
    signal: AbortSignal,
    cache: ShardCache,
  ): Promise<void> {
    const concurrency = Math.max(1, this.options.downloadConcurrency ?? 4);
    const pending = new Set<Promise<void>>();
    let last = -1;
    const onAbort = (): void => progress.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // A run lies in one shard: visit each run's first position only.
      for (let p = 0; p < shards.length; p = runEnd[p]!) {
        const g = shards[p]!;
        if (g === last) continue;
        if (signal.aborted) break;
        last = g;
        const slot = this.slots[g]!;
        if (slot.state !== 'remote' || slot.preparing !== undefined) continue;
        // Wait until the read cursor is within `predownload` samples of this shard.
        while (p >= progress.cursor + this.predownload && !signal.aborted) {
          progress.until = p - this.predownload + 1;
          await new Promise<void>((resolve) => {
            progress.wake = () => {
              progress.wake = undefined;
              resolve();
            };
          });
        }
        if (signal.aborted || slot.state !== 'remote' || slot.preparing !== undefined) continue;
        const task = cache.prefetch(slot, signal).finally(() => pending.delete(task));
        pending.add(task);
        if (pending.size >= concurrency) await Promise.race(pending);
      }
      await Promise.all(pending);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Checkpoint state (spec §3.3). `numSamples` counts samples consumed this epoch over all
   * ranks; by default, the samples this iterator yielded times the number of ranks, counted
   * from the resumption point (`fromBeginning` false).
   *
   * @example
   * ```ts
   * const state = ds.stateDict();
   * // later, in a new process:
   * ds.loadStateDict(state);
   * for await (const s of ds) ... // continues where the first run stopped
   * ```
   */
  stateDict(numSamples?: number, fromBeginning = false): StreamingState {
    const ranks = this.world.numNodes * this.world.ranksPerNode;
    const pending = this.resume !== undefined && this.resume.epoch >= this.nextEpoch ? this.resume : undefined;
    const consumed = numSamples ?? (pending === undefined ? this.yieldedThisEpoch * ranks : 0);
    const offset = pending?.sampleInEpoch ?? this.epochOffset;
    return {
      epoch: pending?.epoch ?? Math.max(0, this.nextEpoch - 1),
      sampleInEpoch: fromBeginning ? consumed : offset + consumed,
      numCanonicalNodes: pending?.numCanonicalNodes ?? this.numCanonicalNodes ?? this.order?.numCanonicalNodes ?? this.world.numNodes,
      shuffleSeed: pending?.shuffleSeed ?? this.shuffleSeed,
      initialPhysicalNodes: pending?.initialPhysicalNodes ?? this.world.numNodes,
    };
  }

  /** Resumes from a state dict at the next iteration (ignored if older than that epoch). */
  loadStateDict(state: StreamingState | Record<string, unknown>): void {
    this.resume = normalizeState(state);
  }

  /** Closes open shard files. The dataset can still be used afterwards (files reopen). */
  close(): void {
    this.cache?.close();
  }
}


/** A run of consecutive samples of one local shard; its file is valid until the next await. */
export interface SampleRun {
  readonly file: ShardFile;
  readonly layout: ColumnLayout;
  /** The shard's basename (for errors). */
  readonly shard: string;
  /** Global shard number (internal). */
  readonly global: number;
  /** First sample's index within the shard. */
  readonly index: number;
  readonly count: number;
}

interface EpochCursorParts {
  ids: Float64Array;
  shards: Int32Array;
  runEnd: Int32Array;
  progress: Progress;
  prefetch: Promise<void>;
  stop: AbortController;
  signal: AbortSignal;
  cache: ShardCache;
  slots: readonly ShardSlot[];
  layouts: readonly ColumnLayout[];
  starts: Float64Array;
  onAdvance: (count: number) => void;
}

/**
 * One epoch's read position over a {@link StreamingDataset} (see `openEpoch`): hands out runs
 * of consecutive samples of a local shard synchronously, so batch readers await only when a
 * shard is not ready yet. Shards are pre-downloaded ahead of the cursor as in `iterate`.
 *
 * @internal
 * @example
 * ```ts
 * const cursor = await ds.openEpoch();
 * for (;;) {
 *   const run = cursor.nextRun(8) ?? (cursor.done ? undefined : await cursor.fetchRun(8));
 *   if (run === undefined) break;
 *   for (let i = 0; i < run.count; i++) use(run.file.sampleBytes(run.index + i));
 *   cursor.advance(run.count);
 * }
 * await cursor.close();
 * ```
 */
export class EpochCursor {
  /** Position in this epoch's sample sequence (samples consumed). */
  position = 0;
  readonly length: number;

  constructor(private readonly parts: EpochCursorParts) {
    this.length = parts.ids.length;
  }

  /** Whether every sample was consumed. */
  get done(): boolean {
    return this.position >= this.length;
  }

  private runAt(max: number, checkReady: boolean): SampleRun | undefined {
    const { ids, shards, runEnd, slots, layouts, starts, cache, signal } = this.parts;
    if (signal.aborted) throw signal.reason;
    const p = this.position;
    if (p >= this.length) return undefined;
    const g = shards[p]!;
    const slot = slots[g]!;
    if (checkReady && (slot.state !== 'local' || slot.failure !== undefined || (!slot.validated && slot.stream.validateHash !== undefined))) return undefined;
    const file = cache.openFile(slot);
    if (file === undefined) return undefined;
    const count = Math.min(max, runEnd[p]! - p);
    return { file, layout: layouts[g]!, shard: slot.info.rawData.basename, global: g, index: ids[p]! - starts[g]!, count };
  }

  /**
   * The next run of at most `max` samples if its shard is ready, without waiting; undefined
   * when the epoch is done or the shard needs {@link fetchRun}.
   */
  nextRun(max: number): SampleRun | undefined {
    return this.runAt(max, true);
  }

  /** The next run, fetching (or validating) its shard first; undefined when the epoch is done. */
  async fetchRun(max: number): Promise<SampleRun | undefined> {
    const { shards, slots, cache, signal } = this.parts;
    if (this.done) return undefined;
    const slot = slots[shards[this.position]!]!;
    for (let attempt = 0; attempt < 8; attempt++) {
      await cache.ensureLocal(slot, signal);
      const run = this.runAt(max, false);
      if (run !== undefined) return run;
    }
    throw new StreamingError(`shard ${slot.info.rawData.basename} kept disappearing from the cache`, {
      hint: 'another process is evicting it: give each job its own local directory or a larger cacheLimit',
    });
  }

  /** Whether `run`'s shard file is still open and local (after an await). */
  stillReady(run: SampleRun): boolean {
    const slot = this.parts.slots[run.global]!;
    return !this.parts.signal.aborted && slot.state === 'local' && slot.file === run.file && !run.file.closed;
  }

  /** Marks `count` samples consumed (lets the pre-download loop move on). */
  advance(count: number): void {
    this.position += count;
    const progress = this.parts.progress;
    progress.cursor = this.position;
    if (progress.wake !== undefined && progress.cursor >= progress.until) progress.wake();
    this.parts.onAdvance(count);
  }

  /** Stops pre-downloading and waits for it to settle. */
  async close(): Promise<void> {
    this.parts.stop.abort();
    this.parts.progress.wake?.();
    await this.parts.prefetch;
  }
}

/** Whether two id arrays hold the same elements (same type; compared as bytes). */
function sameElements(a: EpochPartition['ids'], b: EpochPartition['ids']): boolean {
  if (a.constructor !== b.constructor || a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
