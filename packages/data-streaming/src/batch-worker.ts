/**
 * Worker-thread side of {@link TokenBatchLoader}: opens the dataset, iterates one data loader
 * worker's share of each epoch, and posts `Int32Array` batches (transferred, not copied) as
 * the main thread hands out credits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StreamingDataset, type StreamingDatasetOptions, type StreamingState } from './dataset.js';
import { StreamingError } from './errors.js';
import { BatchPool, groupSize, tokenBatchMapper, type TokenBatch, type TokenColumnOptions } from './token-batch.js';

/** What the main thread passes as `workerData`. */
export interface BatchWorkerSetup {
  dataset: StreamingDatasetOptions;
  worker: number;
  batch: TokenColumnOptions & { batchSize: number; dropLast?: boolean };
}

/** Main -> worker. Credits count batches the worker may still send; buffers come back for reuse. */
export type ToBatchWorker =
  | { type: 'epoch'; credits: number; state?: StreamingState | undefined; recycle: ArrayBuffer[] }
  | { type: 'credit'; n: number; recycle: ArrayBuffer[] }
  | { type: 'stop' };

/** Worker -> main. Batches travel in groups to keep messages few. */
export type FromBatchWorker =
  | { type: 'batches'; buffers: ArrayBuffer[]; sizes: number[]; seqLen: number }
  | { type: 'end' }
  | { type: 'error'; name: string; message: string; fields: Record<string, unknown> };

function serializeError(error: unknown): FromBatchWorker {
  if (error instanceof Error) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(error)) {
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
    }
    return { type: 'error', name: error.name, message: error.message, fields };
  }
  return { type: 'error', name: 'Error', message: String(error), fields: {} };
}

const port = parentPort;
if (port !== null) {
  const setup = workerData as BatchWorkerSetup;
  const ds = new StreamingDataset(setup.dataset);
  const pool = new BatchPool(setup.batch.batchSize * setup.batch.seqLen);
  const group = groupSize(setup.batch.batchSize, setup.batch.seqLen);
  let credits = 0;
  let wake: (() => void) | undefined;
  let stop: AbortController | undefined;

  const runEpoch = async (): Promise<void> => {
    const controller = new AbortController();
    stop = controller;
    let buffers: ArrayBuffer[] = [];
    let sizes: number[] = [];
    const send = (): void => {
      if (buffers.length === 0) return;
      const message: FromBatchWorker = { type: 'batches', buffers, sizes, seqLen: setup.batch.seqLen };
      port.postMessage(message, buffers);
      buffers = [];
      sizes = [];
    };
    try {
      const batcher = tokenBatchMapper(setup.batch, pool);
      const batches = async function* (): AsyncGenerator<TokenBatch, void, undefined> {
        yield* ds.iterateMapped(batcher.map, { worker: setup.worker, signal: controller.signal });
        const last = batcher.flush();
        if (last !== undefined) yield last;
      };
      for await (const batch of batches()) {
        while (credits === 0 && !controller.signal.aborted) {
          send();
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
        if (controller.signal.aborted) break;
        credits--;
        buffers.push(batch.tokens.buffer as ArrayBuffer);
        sizes.push(batch.batchSize);
        if (buffers.length >= group) send();
      }
      send();
      port.postMessage({ type: 'end' } satisfies FromBatchWorker);
    } catch (error) {
      if (controller.signal.aborted) port.postMessage({ type: 'end' } satisfies FromBatchWorker);
      else port.postMessage(serializeError(error));
    }
  };

  port.on('message', (message: ToBatchWorker) => {
    if (message.type === 'stop') stop?.abort();
    else {
      for (const buffer of message.recycle) pool.give(buffer);
      if (message.type === 'credit') credits += message.n;
      else {
        credits = message.credits;
        if (message.state !== undefined) ds.loadStateDict(message.state);
        void runEpoch();
      }
    }
    wake?.();
    wake = undefined;
  });
} else {
  throw new StreamingError('batch-worker must run in a worker thread');
}
