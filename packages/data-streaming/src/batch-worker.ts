/**
 * Worker-thread side of {@link TokenBatchLoader}: opens the dataset, iterates one data loader
 * worker's share of each epoch, and posts `Int32Array` batches as the main thread hands out
 * credits. Batches are read straight into "group" buffers (`group` batches each) and a full
 * group is transferred as one `ArrayBuffer`, not copied; the main thread hands group buffers
 * back once every batch in them is released.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StreamingDataset, type StreamingDatasetOptions, type StreamingState } from './dataset.js';
import { StreamingError } from './errors.js';
import { GroupedBatchBuffers, TokenBatcher, epochBatches, type TokenBatch, type TokenBatcherOptions } from './token-batch.js';

/** What the main thread passes as `workerData`. */
export interface BatchWorkerSetup {
  dataset: StreamingDatasetOptions;
  worker: number;
  batch: TokenBatcherOptions;
  /** Batches per transferred group buffer; at most the credits of an epoch (or the worker could wait on a group it cannot send). */
  group: number;
}

/** Main -> worker. Credits count batches the worker may still send; buffers come back for reuse. */
export type ToBatchWorker =
  | { type: 'epoch'; credits: number; state?: StreamingState | undefined; recycle: ArrayBuffer[] }
  | { type: 'credit'; n: number; recycle: ArrayBuffer[] }
  | { type: 'stop' };

/**
 * Worker -> main. Batches travel in groups to keep messages and transfers few: batch `i` is
 * `sizes[i]` rows at byte `offsets[i]` of `buffer`.
 */
export type FromBatchWorker =
  | { type: 'batches'; buffer: ArrayBuffer; offsets: number[]; sizes: number[]; seqLen: number }
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
  const group = setup.group;
  const pool = new GroupedBatchBuffers(setup.batch.batchSize * setup.batch.seqLen, group);
  let credits = 0;
  let wake: (() => void) | undefined;
  let stop: AbortController | undefined;

  const runEpoch = async (): Promise<void> => {
    const controller = new AbortController();
    stop = controller;
    pool.reset();
    let pending: { buffer: ArrayBuffer; offsets: number[]; sizes: number[] } | undefined;
    const send = (): void => {
      if (pending === undefined) return;
      const message: FromBatchWorker = { type: 'batches', ...pending, seqLen: setup.batch.seqLen };
      port.postMessage(message, [pending.buffer]);
      pending = undefined;
    };
    try {
      const cursor = await ds.openEpoch({ worker: setup.worker, signal: controller.signal });
      const batches = async function* (): AsyncGenerator<TokenBatch, void, undefined> {
        try {
          yield* epochBatches(cursor, new TokenBatcher(setup.batch, pool));
        } finally {
          await cursor.close();
        }
      };
      for await (const batch of batches()) {
        // A partly filled group waits with us: the main thread grants credits for every batch
        // it consumed before it waits, and group <= credits, so it never waits on this group.
        while (credits === 0 && !controller.signal.aborted) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
        if (controller.signal.aborted) break;
        credits--;
        const buffer = batch.tokens.buffer as ArrayBuffer;
        if (pending !== undefined && pending.buffer !== buffer) send();
        pending ??= { buffer, offsets: [], sizes: [] };
        pending.offsets.push(batch.tokens.byteOffset);
        pending.sizes.push(batch.batchSize);
        if (pending.sizes.length >= group || buffer.byteLength !== pool.groupBytes) send();
      }
      // The epoch is over (or stopped): the batcher no longer writes into the group being filled.
      send();
      pool.reset();
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
