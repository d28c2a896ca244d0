/**
 * Data parallelism with worker threads: 2 workers equal single-threaded training within float32
 * rounding (losses and final weights), and two runs with workers are bit-identical.
 */
import { describe, expect, it } from 'vitest';
import { DecoupledAdamW, tokenBatchSpec, Trainer, type Callback, type DataParallelOptions } from '../src/index.js';
import { markovTokens, tokenBatches, TinyLm } from './helpers.js';

async function run(dataParallel?: DataParallelOptions): Promise<{ losses: number[]; weights: number[] }> {
  const losses: number[] = [];
  const sink: Callback = { name: 'sink', logMetrics: (m) => { if (m.loss !== undefined) losses.push(m.loss); } };
  const model = new TinyLm(16, 8, 1);
  // Rows 7 per batch: shards of 4 and 3 rows, microbatches of 2 inside each worker.
  const data = tokenBatches(markovTokens(3000), { batchSize: 7, seqLen: 8, count: 4 });
  await new Trainer({ model, trainData: data, batchSpec: tokenBatchSpec, maxDuration: '4ba', optimizer: new DecoupledAdamW({ lr: 1e-2 }),
    microBatchSize: 2, dataParallel, loggers: [sink] }).fit();
  const weights = (await Promise.all(Object.values(model.parameters()).map(async (t) => Array.from(await t.data())))).flat();
  return { losses, weights };
}

describe('data parallelism', () => {
  it('2 worker threads equal 1 thread within float32 rounding, deterministically', async () => {
    const single = await run();
    const options: DataParallelOptions = { workers: 2, module: new URL('./fixtures/dp-model.ts', import.meta.url), workerData: { vocab: 16, dim: 8 }, microBatchSize: 2 };
    const parallel = await run(options);
    const again = await run(options);
    expect(parallel.losses).toHaveLength(4);
    parallel.losses.forEach((l, i) => expect(Math.abs(l - single.losses[i]!)).toBeLessThan(1e-5));
    const scale = Math.max(...single.weights.map(Math.abs));
    expect(Math.max(...parallel.weights.map((w, i) => Math.abs(w - single.weights[i]!)))).toBeLessThan(1e-5 * scale);
    expect(again).toEqual(parallel);
  }, 60_000);

  it('a worker failure is reported', async () => {
    const options: DataParallelOptions = { workers: 1, module: new URL('./fixtures/dp-model.ts', import.meta.url), exportName: 'missing' };
    await expect(run(options)).rejects.toThrow(/does not export a function 'missing'/);
  }, 60_000);
});
