/**
 * `TokenBatchLoader`: fixed-length token samples from a {@link StreamingDataset} as
 * `Int32Array` batches for training, optionally prefetched by worker threads. With
 * `numWorkers: W` it behaves like a PyTorch `DataLoader(num_workers=W)` over upstream's
 * StreamingDataset: worker `w` reads its own share of the epoch and builds whole batches, and
 * batches are handed out round-robin (batch 0 of worker 0, batch 0 of worker 1, ...), so the
 * sequence matches mosaicml-streaming's. Batch buffers are transferred (a group of batches per
 * `ArrayBuffer`), not copied.
 *
 * @example
 * ```ts
 * const loader = new TokenBatchLoader({
 *   dataset: { remote: 's3://bucket/tokens', local: '/tmp/tokens', batchSize: 8, shuffle: true },
 *   seqLen: 2048, numWorkers: 2,
 * });
 * for await (const { tokens, batchSize, seqLen } of loader) trainStep(tokens, [batchSize, seqLen]);
 * const state = loader.stateDict(); // for checkpoints
 * await loader.close();
 * ```
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BatchWorkerSetup, FromBatchWorker, ToBatchWorker } from './batch-worker.js';
import { StreamingDataset, normalizeState, type EpochCursor, type StreamingDatasetOptions, type StreamingState } from './dataset.js';
import { InvalidArgumentError, StreamingError } from './errors.js';
import { BatchPool, TokenBatcher, groupSize, type TokenBatch, type TokenBatcherOptions, type TokenColumnOptions } from './token-batch.js';

/** Options of {@link TokenBatchLoader}. */
export interface TokenBatchLoaderOptions extends TokenColumnOptions {
  /** The dataset (its `batchSize` is the per-device batch size). Must be structured-cloneable with workers. */
  dataset: StreamingDatasetOptions;
  /** Worker threads; 0 reads in this thread. Default 0. */
  numWorkers?: number;
  /** Batches each worker prepares ahead. Default: about 2 MiB of tokens. */
  prefetchBatches?: number;
  /** Drop each worker's last, short batch. Default false. */
  dropLast?: boolean;
  /** How runs of samples are read (see `TokenBatcherOptions.directRead`); default `'auto'`. */
  directRead?: TokenBatcherOptions['directRead'];
  /** Bytes of tokens read ahead with one system call (whole batches, at least one). Default 1 MiB. */
  readAheadBytes?: number;
}

/** One batch of a received group; `group.left` counts the group's batches not yet released. */
type Received =
  | { type: 'batch'; tokens: Int32Array; batchSize: number; seqLen: number; group: { left: number } }
  | Exclude<FromBatchWorker, { type: 'batches' }>;

interface WorkerHandle {
  worker: Worker;
  queue: Received[];
  wake: (() => void) | undefined;
  failure: Error | undefined;
  /** Batches consumed since the last credit message. */
  owed: number;
  /** Released buffers to send back. */
  recycle: ArrayBuffer[];
}

function workerUrl(): { url: URL; typescript: boolean } {
  const typescript = import.meta.url.endsWith('.ts');
  return { url: new URL(`./batch-worker.${typescript ? 'ts' : 'js'}`, import.meta.url), typescript };
}

/** Starts the batch worker; from TypeScript sources (tests, benches) it registers tsx first. */
function startWorker(setup: BatchWorkerSetup): Worker {
  const { url, typescript } = workerUrl();
  if (!typescript) return new Worker(url, { workerData: setup });
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
  const code = `import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}));`;
  return new Worker(code, { eval: true, workerData: setup });
}

function reviveError(message: Extract<FromBatchWorker, { type: 'error' }>): Error {
  const error = new StreamingError(message.message);
  Object.assign(error, message.fields);
  error.name = message.name;
  return error;
}

/**
 * Training batches from a streaming dataset (see the module doc).
 *
 * @example
 * ```ts
 * const loader = new TokenBatchLoader({ dataset: { local: 'data', batchSize: 4 }, seqLen: 128 });
 * for await (const batch of loader) console.log(batch.tokens.length); // 4 * 128
 * ```
 */
export class TokenBatchLoader implements AsyncIterable<TokenBatch> {
  readonly numWorkers: number;
  private readonly options: TokenBatchLoaderOptions;
  private readonly meta: StreamingDataset;
  private local: StreamingDataset | undefined;
  private pool: BatchPool | undefined;
  private workers: WorkerHandle[] | undefined;
  private nextEpoch = 0;
  private epoch = 0;
  private offset = 0;
  private yielded = 0;
  private resume: StreamingState | undefined;
  private applied: StreamingState | undefined;
  private running = false;

  constructor(options: TokenBatchLoaderOptions) {
    const W = options.numWorkers ?? 0;
    if (!Number.isSafeInteger(W) || W < 0) throw new InvalidArgumentError('TokenBatchLoader', `numWorkers must be a non-negative integer, got ${W}`);
    if (!Number.isSafeInteger(options.seqLen) || options.seqLen < 1) throw new InvalidArgumentError('TokenBatchLoader', `seqLen must be a positive integer, got ${options.seqLen}`);
    if (W > 0) {
      for (const key of ['sampleOrder', 'retryDelay', 'signal'] as const) {
        if (options.dataset[key] !== undefined) {
          throw new InvalidArgumentError('TokenBatchLoader', `dataset.${key} cannot be passed to worker threads`, 'use numWorkers: 0, or leave it at its default');
        }
      }
    }
    this.numWorkers = W;
    this.options = options;
    this.meta = new StreamingDataset({ ...options.dataset, numWorkers: Math.max(1, W) });
  }

  private get batchOptions(): BatchWorkerSetup['batch'] {
    const o = this.options;
    return {
      seqLen: o.seqLen,
      batchSize: o.dataset.batchSize ?? 1,
      ...(o.column === undefined ? {} : { column: o.column }),
      ...(o.bytesDtype === undefined ? {} : { bytesDtype: o.bytesDtype }),
      ...(o.padId === undefined ? {} : { padId: o.padId }),
      ...(o.dropLast === undefined ? {} : { dropLast: o.dropLast }),
      ...(o.directRead === undefined ? {} : { directRead: o.directRead }),
      ...(o.readAheadBytes === undefined ? {} : { readAheadBytes: o.readAheadBytes }),
    };
  }

  /**
   * Batches of one epoch per call (or the rest of a resumed epoch). In process, batches that
   * are ready come out of `next()` without an async generator step (see {@link LocalEpoch}).
   */
  [Symbol.asyncIterator](): AsyncGenerator<TokenBatch, void, undefined> {
    if (this.numWorkers > 0) return this.workerEpoch();
    return new LocalEpoch({
      open: () => this.openLocalEpoch(),
      handedOut: (batch) => {
        this.yielded += batch.batchSize;
      },
      end: (cursor) => this.endLocalEpoch(cursor),
    });
  }

  /** Starts an epoch: the checks and state shared by both paths. */
  private async beginEpoch(): Promise<StreamingState | undefined> {
    if (this.running) throw new StreamingError('TokenBatchLoader: an epoch is already being iterated');
    this.running = true;
    try {
      await this.meta.init();
      const state = this.resume !== undefined && this.resume.epoch >= this.nextEpoch ? this.resume : undefined;
      this.resume = undefined;
      this.applied = state;
      this.epoch = state?.epoch ?? this.nextEpoch;
      this.offset = state?.sampleInEpoch ?? 0;
      this.yielded = 0;
      this.nextEpoch = this.epoch + 1;
      return state;
    } catch (error) {
      this.running = false;
      throw error;
    }
  }

  /** Opens an in-process epoch: its cursor and batcher. */
  private async openLocalEpoch(): Promise<{ cursor: EpochCursor; batcher: TokenBatcher }> {
    const state = await this.beginEpoch();
    try {
      // Runs of local samples are read synchronously: no per-sample awaits.
      const cursor = await this.openLocal(state);
      const pool = (this.pool ??= new BatchPool((this.options.dataset.batchSize ?? 1) * this.options.seqLen));
      return { cursor, batcher: new TokenBatcher(this.batchOptions, pool) };
    } catch (error) {
      this.running = false;
      throw error;
    }
  }

  /** Ends an in-process epoch. */
  private async endLocalEpoch(cursor: EpochCursor | undefined): Promise<void> {
    try {
      await cursor?.close();
    } finally {
      this.running = false;
    }
  }

  private async *workerEpoch(): AsyncGenerator<TokenBatch, void, undefined> {
    const state = await this.beginEpoch();
    try {
      for await (const batch of this.fromWorkers(state)) {
        this.yielded += batch.batchSize;
        yield batch;
      }
    } finally {
      this.running = false;
    }
  }

  private async openLocal(state: StreamingState | undefined): Promise<EpochCursor> {
    this.local ??= new StreamingDataset({ ...this.options.dataset, numWorkers: 1 });
    // Keep the in-process dataset's epoch in step with ours.
    this.local.loadStateDict(state ?? { ...this.meta.stateDict(), epoch: this.epoch, sampleInEpoch: 0 });
    return this.local.openEpoch();
  }

  /** Batches per transferred group buffer and the credits (batches in flight) per worker. */
  private get transfer(): { group: number; credits: number; groupBytes: number } {
    const B = this.options.dataset.batchSize ?? 1;
    const T = this.options.seqLen;
    const credits = Math.max(1, this.options.prefetchBatches ?? 2 * groupSize(B, T));
    const group = Math.min(groupSize(B, T), credits);
    return { group, credits, groupBytes: 4 * B * T * group };
  }

  private ensureWorkers(): WorkerHandle[] {
    if (this.workers !== undefined) return this.workers;
    const dataset = { ...this.options.dataset, numWorkers: this.numWorkers };
    this.workers = Array.from({ length: this.numWorkers }, (_, w) => {
      const handle: WorkerHandle = {
        worker: startWorker({ dataset, worker: w, batch: this.batchOptions, group: this.transfer.group }),
        queue: [],
        wake: undefined,
        failure: undefined,
        owed: 0,
        recycle: [],
      };
      handle.worker.on('message', (message: FromBatchWorker) => {
        if (message.type === 'batches') {
          const group = { left: message.sizes.length };
          const T = message.seqLen;
          message.sizes.forEach((rows, i) => {
            const tokens = new Int32Array(message.buffer, message.offsets[i]!, rows * T);
            handle.queue.push({ type: 'batch', tokens, batchSize: rows, seqLen: T, group });
          });
        } else {
          handle.queue.push(message);
        }
        handle.wake?.();
      });
      handle.worker.on('error', (error) => {
        handle.failure = error;
        handle.wake?.();
      });
      handle.worker.on('exit', (code) => {
        handle.failure ??= new StreamingError(`batch worker ${w} exited with code ${code}`);
        handle.wake?.();
      });
      return handle;
    });
    return this.workers;
  }

  private grant(handle: WorkerHandle): void {
    if (handle.owed === 0 && handle.recycle.length === 0) return;
    const message: ToBatchWorker = { type: 'credit', n: handle.owed, recycle: handle.recycle };
    handle.worker.postMessage(message, handle.recycle);
    handle.owed = 0;
    handle.recycle = [];
  }

  private async next(handle: WorkerHandle): Promise<Received> {
    for (;;) {
      const message = handle.queue.shift();
      if (message !== undefined) return message;
      if (handle.failure !== undefined) throw handle.failure;
      // About to wait on this worker: give it every credit we owe, or it may be waiting on us.
      this.grant(handle);
      await new Promise<void>((resolve) => {
        handle.wake = resolve;
      });
      handle.wake = undefined;
    }
  }

  private async *fromWorkers(state: StreamingState | undefined): AsyncGenerator<TokenBatch, void, undefined> {
    const handles = this.ensureWorkers();
    const { group, credits } = this.transfer;
    // Every worker's dataset runs the same epoch: pass the state explicitly so they agree.
    const epochState = state ?? { ...this.meta.stateDict(), epoch: this.epoch, sampleInEpoch: 0 };
    for (const h of handles) {
      h.owed = 0;
      const message: ToBatchWorker = { type: 'epoch', credits, state: epochState, recycle: h.recycle };
      h.worker.postMessage(message, h.recycle);
      h.recycle = [];
    }
    const active = new Set(handles);
    let finished = false;
    try {
      while (active.size > 0) {
        for (const h of handles) {
          if (!active.has(h)) continue;
          const message = await this.next(h);
          if (message.type === 'end') {
            active.delete(h);
            continue;
          }
          if (message.type === 'error') {
            active.delete(h); // its epoch is over; it sends nothing more
            throw reviveError(message);
          }
          h.owed++;
          if (h.owed >= group) this.grant(h);
          const { tokens, group: shared } = message;
          const groupBytes = this.transfer.groupBytes;
          let released = false;
          const release = (): void => {
            if (released || this.workers === undefined) return;
            released = true;
            // The whole group buffer goes back once every batch in it is released.
            if (--shared.left === 0 && tokens.buffer.byteLength === groupBytes) h.recycle.push(tokens.buffer as ArrayBuffer);
          };
          yield { tokens, batchSize: message.batchSize, seqLen: message.seqLen, release };
        }
      }
      finished = true;
    } finally {
      if (!finished) {
        // Stopped early (break or error): stop the others and drain them to their 'end'.
        for (const h of active) h.worker.postMessage({ type: 'stop' } satisfies ToBatchWorker);
        for (const h of active) {
          try {
            for (;;) {
              const m = await this.next(h);
              if (m.type !== 'batch') break;
            }
          } catch {
            // the worker is gone; close() cleans up
          }
        }
      }
    }
  }

  /**
   * Resumption state: the samples handed out this epoch (all ranks), counted from the point
   * the epoch was resumed at, like upstream's `StreamingDataLoader.state_dict`.
   */
  stateDict(): StreamingState {
    const ranks = this.meta.world.numNodes * this.meta.world.ranksPerNode;
    const pending = this.resume !== undefined && this.resume.epoch >= this.nextEpoch ? this.resume : undefined;
    if (pending !== undefined) return pending;
    const base = this.applied ?? this.meta.stateDict();
    return {
      epoch: this.epoch,
      sampleInEpoch: this.offset + this.yielded * ranks,
      numCanonicalNodes: base.numCanonicalNodes,
      shuffleSeed: base.shuffleSeed,
      initialPhysicalNodes: base.initialPhysicalNodes,
    };
  }

  /** Resumes at the next epoch iteration. */
  loadStateDict(state: StreamingState | Record<string, unknown>): void {
    this.resume = normalizeState(state);
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    const workers = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(workers.map((h) => h.worker.terminate()));
    this.local?.close();
  }
}

/** What a {@link LocalEpoch} needs of its loader. */
interface LocalEpochHooks {
  open(): Promise<{ cursor: EpochCursor; batcher: TokenBatcher }>;
  /** Counts a batch handed out (for `stateDict`). */
  handedOut(batch: TokenBatch): void;
  end(cursor: EpochCursor | undefined): Promise<void>;
}

const DONE: IteratorReturnResult<void> = Object.freeze({ value: undefined, done: true });

/**
 * One in-process epoch of a {@link TokenBatchLoader} as a hand-written async generator: a
 * batch that is already assembled, or whose run of samples can be read synchronously, is
 * returned from `next()` as a resolved promise, without the resumption an `async function*`
 * costs at every `yield` (about 0.4 us per batch, several percent of reading the bytes).
 * Opening the epoch, fetching a shard that is not local yet and closing go through a queue, so
 * calls are answered in order as a generator would; `return()`/`throw()` close the epoch
 * (an epoch that was never started is not opened).
 */
class LocalEpoch implements AsyncGenerator<TokenBatch, void, undefined> {
  private cursor: EpochCursor | undefined;
  private batcher: TokenBatcher | undefined;
  private started = false;
  private finished = false;
  private drained = false;
  /** Slow steps queued or running; `next()` answers synchronously only when there are none. */
  private inflight = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly loader: LocalEpochHooks) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<TokenBatch, void>> {
    if (this.inflight === 0 && this.batcher !== undefined && !this.finished) {
      let batch: TokenBatch | undefined;
      try {
        batch = this.readySync();
      } catch (error) {
        // Like an exception inside a generator: the epoch ends and this call rejects.
        return this.enqueue(async () => {
          await this.finish().catch(() => undefined);
          throw error;
        });
      }
      if (batch !== undefined) return Promise.resolve({ value: batch, done: false });
    }
    return this.enqueue(() => this.slowNext());
  }

  return(): Promise<IteratorResult<TokenBatch, void>> {
    return this.enqueue(async () => {
      await this.finish();
      return DONE;
    });
  }

  throw(error: unknown): Promise<IteratorResult<TokenBatch, void>> {
    return this.enqueue(async () => {
      await this.finish();
      throw error;
    });
  }

  /** A batch without waiting: an assembled one, or one from a run of a local shard. */
  private readySync(): TokenBatch | undefined {
    const batcher = this.batcher!;
    const cursor = this.cursor!;
    for (;;) {
      const batch = batcher.take();
      if (batch !== undefined) {
        this.loader.handedOut(batch);
        return batch;
      }
      if (this.drained) return undefined;
      const run = cursor.nextRun(batcher.capacity);
      if (run === undefined) return undefined;
      batcher.addRun(run);
      cursor.advance(run.count);
    }
  }

  private enqueue(step: () => Promise<IteratorResult<TokenBatch, void>>): Promise<IteratorResult<TokenBatch, void>> {
    this.inflight++;
    const result = this.tail.then(step).finally(() => {
      this.inflight--;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async slowNext(): Promise<IteratorResult<TokenBatch, void>> {
    if (this.finished) return DONE;
    try {
      if (!this.started) {
        this.started = true;
        const { cursor, batcher } = await this.loader.open();
        this.cursor = cursor;
        this.batcher = batcher;
      }
      const batcher = this.batcher!;
      const cursor = this.cursor!;
      for (;;) {
        const batch = this.readySync();
        if (batch !== undefined) return { value: batch, done: false };
        if (this.drained) break;
        const run = cursor.done ? undefined : await cursor.fetchRun(batcher.capacity);
        if (run !== undefined) {
          batcher.addRun(run);
          cursor.advance(run.count);
          continue;
        }
        this.drained = true;
        const last = batcher.flush();
        if (last !== undefined) {
          this.loader.handedOut(last);
          return { value: last, done: false };
        }
      }
    } catch (error) {
      await this.finish().catch(() => undefined);
      throw error;
    }
    await this.finish();
    return DONE;
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    // Never started: nothing was opened (like a generator returned before its first step).
    if (!this.started || this.batcher === undefined) return;
    await this.loader.end(this.cursor);
  }
}
