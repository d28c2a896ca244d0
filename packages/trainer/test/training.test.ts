/**
 * The loop's numerics: learning, token-weighted microbatch equivalence, gradient clipping,
 * the NaN/Inf guard, evaluation (loss and perplexity), schedules applied with the lag, and no
 * leaked tensors across steps.
 */
import { describe, expect, it } from 'vitest';
import { memory, mul, type Tensor } from '@tessera/tensor';
import {
  accumulateGradients, batchGenerator, DecoupledLionW, DecoupledAdamW, globalNorm, gradientClipping, linearWithWarmupScheduler, NonFiniteLossError, Trainer,
  tokenBatchSpec, type Callback, type TokenBatch,
} from '../src/index.js';
import { markovTokens, tokenBatches, TinyLm } from './helpers.js';

const tokens = markovTokens(4000);

async function values(record: Readonly<Record<string, Tensor>>): Promise<Record<string, Float32Array>> {
  return Object.fromEntries(await Promise.all(Object.entries(record).map(async ([k, t]) => [k, (await t.data()) as Float32Array])));
}

function maxRelDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  let worst = 0;
  for (const [k, x] of Object.entries(a)) {
    const y = b[k]!;
    const scale = Math.max(...Array.from(y, Math.abs));
    x.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - y[i]!) / scale); });
  }
  return worst;
}

function metrics(): Callback & { rows: Record<string, number>[] } {
  const rows: Record<string, number>[] = [];
  return { name: 'metrics', rows, logMetrics: (m, s) => { rows.push({ batch: s.timestamp.batch, ...m }); } };
}

describe('training loop', () => {
  it('learns: the loss of a Markov chain falls', async () => {
    const m = metrics();
    const trainer = new Trainer({
      model: new TinyLm(), trainData: tokenBatches(tokens, { batchSize: 8, seqLen: 16, count: 30 }), batchSpec: tokenBatchSpec, maxDuration: '30ba',
      optimizer: new DecoupledLionW({ lr: 2e-2, betas: [0.9, 0.99] }), loggers: [m],
    });
    await trainer.fit();
    const losses = m.rows.filter((r) => r.loss !== undefined).map((r) => r.loss!);
    expect(losses).toHaveLength(30);
    expect(losses[29]!).toBeLessThan(losses[0]! - 0.8);
  });

  it('token-weighted microbatches give the gradient of the whole batch', async () => {
    const model = new TinyLm();
    const [batch] = tokenBatches(tokens, { batchSize: 5, seqLen: 9, count: 1 }) as [TokenBatch];
    // Uneven ignored labels: a per-microbatch mean weighted by samples would be wrong here.
    const labels = Int32Array.from(batch.tokens, (v, i) => (i < 9 && i % 9 > 2 ? -100 : i >= 36 && i % 9 === 5 ? -100 : v));
    const withLabels = { ...batch, labels };
    const context = { training: true, generator: batchGenerator(1, 0) };
    for (const b of [batch, withLabels]) {
      const totalWeight = tokenBatchSpec.lossWeight(b);
      const whole = await accumulateGradients(model, model.parameters(), b, tokenBatchSpec, { totalWeight, context });
      for (const mb of [1, 2, 3]) {
        const micro = await accumulateGradients(model, model.parameters(), b, tokenBatchSpec, { totalWeight, microBatchSize: mb, context });
        expect(Math.abs(micro.loss - whole.loss)).toBeLessThan(1e-6);
        expect(maxRelDiff(await values(micro.grads), await values(whole.grads))).toBeLessThan(2e-6);
      }
    }
    // Through the trainer: 4 steps with microbatches of 2 rows equal 4 full-batch steps.
    const run = async (microBatchSize?: number) => {
      const lm = new TinyLm();
      await new Trainer({ model: lm, trainData: tokenBatches(tokens, { batchSize: 6, seqLen: 8, count: 4 }), batchSpec: tokenBatchSpec, maxDuration: '4ba',
        optimizer: new DecoupledAdamW({ lr: 1e-2 }), microBatchSize }).fit();
      return values(lm.parameters());
    };
    expect(maxRelDiff(await run(2), await run())).toBeLessThan(1e-5);
  });

  it('clips gradients by global norm and by value before the optimizer step', async () => {
    const norms: number[] = [];
    let maxAbs = 0;
    const after: Callback = {
      name: 'after-clip',
      events: {
        async 'optimizer-step-start'(s) {
          norms.push(await globalNorm(s.grads!));
          for (const g of Object.values(s.grads!)) maxAbs = Math.max(maxAbs, ...Array.from(await g.data(), Math.abs));
        },
      },
    };
    const data = tokenBatches(tokens, { batchSize: 4, seqLen: 8, count: 3 });
    await new Trainer({ model: new TinyLm(), trainData: data, batchSpec: tokenBatchSpec, maxDuration: '3ba', optimizer: new DecoupledAdamW(),
      callbacks: [gradientClipping({ threshold: 0.05 }), after] }).fit();
    for (const n of norms) expect(n).toBeCloseTo(0.05, 5);
    maxAbs = 0;
    await new Trainer({ model: new TinyLm(), trainData: data, batchSpec: tokenBatchSpec, maxDuration: '3ba', optimizer: new DecoupledAdamW(),
      callbacks: [gradientClipping({ threshold: 0.01, type: 'value' }), after] }).fit();
    expect(maxAbs).toBeLessThanOrEqual(0.01 + 1e-9);
    expect(() => gradientClipping({ threshold: 0 })).toThrow(/positive/);
  });

  it('a NaN loss stops with a clear error, or the step is skipped', async () => {
    const data = tokenBatches(tokens, { batchSize: 2, seqLen: 6, count: 4 });
    const poisoned = data[2]!.tokens;
    class Exploding extends TinyLm {
      override loss(logits: Tensor, batch: TokenBatch): Tensor {
        const loss = super.loss(logits, batch);
        return batch.tokens === poisoned ? mul(loss, NaN) : loss;
      }
    }
    const model = new Exploding();
    const stop = new Trainer({ model, trainData: data, batchSpec: tokenBatchSpec, maxDuration: '4ba', optimizer: new DecoupledAdamW() });
    const error = await stop.fit().catch((e: unknown) => e);
    expect(NonFiniteLossError.isInstance(error)).toBe(true);
    expect((error as NonFiniteLossError).batch).toBe(2);
    expect(String(error)).toMatch(/non-finite training step at batch 2: loss NaN[\s\S]*HINT: .*nonFinite: 'skip'/);
    expect(stop.state.timestamp.batch).toBe(2);

    const warnings: string[] = [];
    const m = metrics();
    const skipping = new Exploding();
    let before: Record<string, Float32Array> = {};
    const snapshot: Callback = { name: 'snapshot', events: { 'batch-start': async () => { before = await values(skipping.parameters()); } } };
    const check: Callback = { name: 'check', events: { 'batch-end': async (s) => { if (s.timestamp.batch === 3) expect(await values(skipping.parameters())).toEqual(before); } } };
    const result = await new Trainer({ model: skipping, trainData: data, batchSpec: tokenBatchSpec, maxDuration: '4ba', optimizer: new DecoupledAdamW(),
      nonFinite: 'skip', warn: (w) => warnings.push(w), callbacks: [snapshot, check], loggers: [m] }).fit();
    expect(result.timestamp.batch).toBe(4);
    expect(warnings.join()).toMatch(/batch 2: non-finite loss NaN/);
    expect(m.rows.find((r) => r.batch === 3)?.skippedStep).toBe(1);
  });

  it('evaluates held-out loss and perplexity at evalInterval', async () => {
    const m = metrics();
    const evalData = tokenBatches(tokens, { batchSize: 3, seqLen: 8, count: 3, offset: 3000 });
    const model = new TinyLm();
    const trainer = new Trainer({ model, trainData: tokenBatches(tokens, { batchSize: 4, seqLen: 8, count: 6 }), batchSpec: tokenBatchSpec, maxDuration: '6ba',
      optimizer: new DecoupledLionW({ lr: 1e-2 }), evalData, evalInterval: '3ba', loggers: [m] });
    await trainer.fit();
    const evals = m.rows.filter((r) => r['eval/loss'] !== undefined);
    expect(evals.map((r) => r.batch)).toEqual([3, 6]);
    for (const r of evals) expect(r['eval/perplexity']).toBeCloseTo(Math.exp(r['eval/loss']!), 10);
    // The eval loss is the token-weighted mean over all eval batches (equal weights here).
    let sum = 0;
    for (const b of evalData) sum += await model.loss(model.forward(model.parameters(), b), b).item();
    expect(evals[1]!['eval/loss']).toBeCloseTo(sum / 3, 5);
    expect((await trainer.evaluate()).loss).toBeCloseTo(sum / 3, 5);
  });

  it('applies the schedule with the one-step lag and leaks no tensors', async () => {
    const lrs: number[] = [];
    const probe: Callback = { name: 'lr', events: { 'optimizer-step-start': (s) => { lrs.push(s.lr); } } };
    const model = new TinyLm();
    const optimizer = new DecoupledLionW({ lr: 1e-2 });
    const data = tokenBatches(tokens, { batchSize: 2, seqLen: 6, count: 6 });
    const run = (maxDuration: string) => new Trainer({ model, trainData: data, batchSpec: tokenBatchSpec, maxDuration, optimizer,
      scheduler: linearWithWarmupScheduler({ tWarmup: '4ba', tMax: '6ba' }), callbacks: [probe] }).fit();
    await run('2ba');
    const live = memory().liveTensors;
    await run('6ba');
    expect(lrs.map((x) => Math.round((x / 1e-2) * 1e6) / 1e6)).toEqual([0, 0, /* second run */ 0, 0, 0.25, 0.5, 0.75, 1]);
    expect(memory().liveTensors).toBe(live);
  });
});
