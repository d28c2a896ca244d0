/**
 * Data parallelism on one machine: N worker threads, each with its own copy of the model, compute
 * the gradients of one shard of every batch; the main thread sums them in worker order (a fixed
 * order, so runs are deterministic) and steps the optimizer once. Each shard's loss is weighted
 * by its share of the global batch's loss units, so the sum equals the 1-worker gradient up to
 * float32 rounding of the different summation order.
 *
 *   main: params -> [worker 0: shard 0] [worker 1: shard 1] ... -> g0 + g1 + ... -> optimizer
 *
 * Workers build their model by importing `module` and calling its `exportName` factory (default
 * `createTrainable`) with `workerData`; it returns `{ model, batchSpec }`. Parameters are sent
 * every step, so the workers' own initial weights do not matter. Microbatch events
 * (forward/loss/backward) fire only in single-threaded training. For more than one machine, use
 * the same data, config and Hugging Face checkpoints with LLM Foundry/Composer (see README).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { add, noGrad, tensor, type Tensor } from '@tessera/tensor';
import { shardBatch, type BatchSpec } from '../batch.js';
import { TrainerConfigError } from '../errors.js';
import type { Trainable } from '../trainable.js';

/**
 * Options of data-parallel training.
 *
 * @example
 * ```ts
 * const dataParallel: DataParallelOptions = { workers: 2, module: new URL('./tiny-model.js', import.meta.url) };
 * ```
 */
export interface DataParallelOptions {
  readonly workers: number;
  /** A module path or URL; each worker imports it. */
  readonly module: string | URL;
  /** The factory's export name. Default 'createTrainable'. */
  readonly exportName?: string;
  /** Passed to the factory (must be structured-cloneable). */
  readonly workerData?: unknown;
  /** Samples per microbatch inside each worker. */
  readonly microBatchSize?: number;
}

/**
 * What the module's factory returns.
 *
 * @example
 * ```ts
 * export const createTrainable: TrainableFactory<TokenBatch> = async () => ({ model: mptTrainable(await load()), batchSpec: tokenBatchSpec });
 * ```
 */
export type TrainableFactory<Batch, Outputs = Tensor> = (data: unknown) =>
  { model: Trainable<Batch, Outputs>; batchSpec: BatchSpec<Batch> } | Promise<{ model: Trainable<Batch, Outputs>; batchSpec: BatchSpec<Batch> }>;

/** @internal Setup sent to each worker. */
export interface WorkerSetup {
  readonly module: string;
  readonly exportName: string;
  readonly data: unknown;
  readonly names: readonly string[];
  readonly microBatchSize: number | undefined;
}

/** @internal Messages. */
export type ToWorker = { type: 'step'; params: Float32Array[]; shapes: number[][]; batch: unknown; totalWeight: number; seed: number; batchIndex: number; shard: number };
export type FromWorker = { type: 'ready' } | { type: 'grads'; grads: Float32Array[]; loss: number } | { type: 'error'; name: string; message: string; stack: string | undefined };

interface Handle {
  readonly worker: Worker;
  pending: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | undefined;
  failure: Error | undefined;
}

function startWorker(setup: WorkerSetup): Worker {
  const typescript = import.meta.url.endsWith('.ts');
  const url = new URL(`./worker.${typescript ? 'ts' : 'js'}`, import.meta.url);
  if (!typescript) return new Worker(url, { workerData: setup });
  // From TypeScript sources (tests): register tsx in the worker first.
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
  const code = `import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}));`;
  return new Worker(code, { eval: true, workerData: setup });
}

/**
 * A pool of gradient workers.
 *
 * @example
 * ```ts
 * const pool = await DataParallel.start({ workers: 2, module }, Object.keys(model.parameters()));
 * const { grads, loss } = await pool.gradients(model.parameters(), batch, tokenBatchSpec, { totalWeight, seed: 17, batchIndex: 0 });
 * await pool.close();
 * ```
 */
export class DataParallel {
  readonly #handles: Handle[];

  private constructor(handles: Handle[]) {
    this.#handles = handles;
  }

  static async start(options: DataParallelOptions, names: readonly string[]): Promise<DataParallel> {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new TrainerConfigError('dataParallel.workers', `must be a positive integer, got ${options.workers}`);
    const module = options.module instanceof URL ? options.module.href : options.module.startsWith('file:') ? options.module : pathToFileURL(options.module).href;
    const setup: WorkerSetup = { module, exportName: options.exportName ?? 'createTrainable', data: options.workerData, names, microBatchSize: options.microBatchSize };
    const handles: Handle[] = Array.from({ length: options.workers }, () => {
      const handle: Handle = { worker: startWorker(setup), pending: undefined, failure: undefined };
      handle.worker.on('message', (m: FromWorker) => {
        const p = handle.pending;
        handle.pending = undefined;
        if (m.type === 'error') p?.reject(Object.assign(new TrainerConfigError('dataParallel', `worker failed: ${m.message}`), { stack: m.stack }));
        else p?.resolve(m);
      });
      const fail = (error: Error): void => {
        handle.failure = error;
        handle.pending?.reject(error);
        handle.pending = undefined;
      };
      handle.worker.on('error', fail);
      handle.worker.on('exit', (code) => fail(new TrainerConfigError('dataParallel', `worker exited with code ${code}`)));
      return handle;
    });
    const pool = new DataParallel(handles);
    try {
      await Promise.all(handles.map((h) => pool.#receive(h)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  #receive(handle: Handle, message?: ToWorker): Promise<FromWorker> {
    if (handle.failure) return Promise.reject(handle.failure);
    return new Promise((resolve, reject) => {
      handle.pending = { resolve, reject };
      if (message) handle.worker.postMessage(message);
    });
  }

  /** Gradients of `batch` summed over the workers' shards, in worker order. */
  async gradients<Batch>(params: Readonly<Record<string, Tensor>>, batch: Batch, spec: BatchSpec<Batch>,
    step: { totalWeight: number; seed: number; batchIndex: number }): Promise<{ grads: Record<string, Tensor>; loss: number }> {
    const names = Object.keys(params);
    const tensors = names.map((n) => params[n]!);
    if (tensors.some((t) => t.dtype !== 'float32')) throw new TrainerConfigError('dataParallel', 'supports float32 parameters only');
    const values = await Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array));
    const shapes = tensors.map((t) => [...t.shape]);
    const shards = shardBatch(spec, batch, this.#handles.length);
    const replies = await Promise.all(shards.map((shard, i) => this.#receive(this.#handles[i]!, {
      type: 'step', params: values, shapes, batch: shard, totalWeight: step.totalWeight, seed: step.seed, batchIndex: step.batchIndex, shard: i,
    })));
    let loss = 0;
    let sums: Tensor[] | undefined;
    for (const reply of replies) {
      if (reply.type !== 'grads') throw new TrainerConfigError('dataParallel', `unexpected worker message '${reply.type}'`);
      loss += reply.loss;
      const grads = reply.grads.map((g, i) => tensor(g, shapes[i]!));
      if (!sums) sums = grads;
      else {
        const previous = sums;
        sums = noGrad(() => previous.map((g, i) => add(g, grads[i]!)));
        for (const t of [...previous, ...grads]) t.dispose();
      }
    }
    const result = sums!;
    return { grads: Object.fromEntries(names.map((n, i) => [n, result[i]!])), loss };
  }

  async close(): Promise<void> {
    await Promise.all(this.#handles.map((h) => {
      h.worker.removeAllListeners('exit');
      return h.worker.terminate();
    }));
  }
}
