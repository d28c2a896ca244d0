/**
 * A data-parallel gradient worker: builds the model from the setup's module, then answers each
 * step with the gradients of its shard (see data-parallel.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { dispose, tensor, type Tensor } from '@tessera/tensor';
import { accumulateGradients } from '../gradients.js';
import { deriveSeed, batchGenerator } from '../rng.js';
import type { FromWorker, ToWorker, TrainableFactory, WorkerSetup } from './data-parallel.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;

function reply(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function failure(error: unknown): FromWorker {
  const e = error instanceof Error ? error : new Error(String(error));
  return { type: 'error', name: e.name, message: e.message, stack: e.stack };
}

async function main(): Promise<void> {
  const module = (await import(setup.module)) as Record<string, unknown>;
  const factory = module[setup.exportName] as TrainableFactory<unknown, unknown> | undefined;
  if (typeof factory !== 'function') throw new Error(`${setup.module} does not export a function '${setup.exportName}'`);
  const { model, batchSpec } = await factory(setup.data);
  const names = Object.keys(model.parameters());
  if (names.join('\n') !== setup.names.join('\n')) throw new Error('the worker model has different parameter names than the main model');
  port.on('message', (message: ToWorker) => {
    void (async () => {
      try {
        const params: Record<string, Tensor> = Object.fromEntries(names.map((n, i) => [n, tensor(message.params[i]!, message.shapes[i]!)]));
        model.setParameters(params);
        const { grads, loss } = await accumulateGradients(model, model.parameters(), message.batch, batchSpec, {
          microBatchSize: setup.microBatchSize, totalWeight: message.totalWeight,
          context: { training: true, generator: batchGenerator(deriveSeed(message.seed, message.shard), message.batchIndex) },
        });
        const arrays = await Promise.all(names.map(async (n) => Float32Array.from(await grads[n]!.data())));
        dispose(Object.values(grads));
        reply({ type: 'grads', grads: arrays, loss }, arrays.map((a) => a.buffer as ArrayBuffer));
      } catch (error) {
        reply(failure(error));
      }
    })();
  });
  reply({ type: 'ready' });
}

main().catch((error: unknown) => reply(failure(error)));
