/**
 * The event order, pinned by a recording callback: two epochs of two batches, two microbatches
 * per batch, evaluation and a checkpoint every 2 batches, and the final evaluation/checkpoint
 * skipped because they already happened at the last batch.
 */
import { describe, expect, it } from 'vitest';
import { DecoupledAdamW, Trainer, tokenBatchSpec, TRAINER_EVENTS, type Callback } from '../src/index.js';
import { markovTokens, recorder, temporaryFolder, tokenBatches, TinyLm } from './helpers.js';

describe('events', () => {
  it('fire in Composer order', async () => {
    const batches = tokenBatches(markovTokens(400), { batchSize: 4, seqLen: 6, count: 2 });
    const rec = recorder();
    const trainer = new Trainer({
      model: new TinyLm(), trainData: batches, batchSpec: tokenBatchSpec, maxDuration: '2ep', optimizer: new DecoupledAdamW({ lr: 1e-2 }),
      microBatchSize: 2, evalData: batches.slice(0, 1), evalInterval: '2ba', saveFolder: temporaryFolder(), saveInterval: '2ba', callbacks: [rec],
    });
    await trainer.fit();
    const micro = ['forward-start', 'forward-end', 'loss-start', 'loss-end', 'backward-start', 'backward-end'];
    const batch = ['batch-start', ...micro, ...micro, 'optimizer-step-start', 'optimizer-step-end', 'batch-end'];
    const evalAndSave = ['eval-start', 'eval-batch-start', 'eval-batch-end', 'eval-end', 'checkpoint-start', 'checkpoint-end'];
    const epoch = ['epoch-start', ...batch, ...batch, ...evalAndSave, 'epoch-end'];
    expect(rec.log).toEqual(['fit-start', ...epoch, ...epoch, 'fit-end']);
    expect(new Set(rec.log)).toEqual(new Set(TRAINER_EVENTS));
  });

  it('state is visible where documented; handlers inside the tape must be synchronous', async () => {
    const batches = tokenBatches(markovTokens(200), { batchSize: 2, seqLen: 5, count: 1 });
    const seen: string[] = [];
    const probe: Callback = {
      name: 'probe',
      events: {
        'forward-end': (s) => { seen.push(`outputs ${String((s.outputs as { shape: number[] }).shape)}`); },
        'optimizer-step-start': (s) => { seen.push(`grads ${Object.keys(s.grads!).join(',')} norm ${s.gradNorm! > 0}`); },
        'batch-end': (s) => { seen.push(`batch ${s.timestamp.batch} loss ${Number.isFinite(s.loss)} lr ${s.lr}`); },
      },
    };
    await new Trainer({ model: new TinyLm(), trainData: batches, batchSpec: tokenBatchSpec, maxDuration: '1ba', optimizer: new DecoupledAdamW({ lr: 0.5 }), callbacks: [probe] }).fit();
    expect(seen).toEqual(['outputs 2,5,16', 'grads wte,head norm true', 'batch 1 loss true lr 0.5']);

    const asyncInTape: Callback = { name: 'bad', events: { 'forward-start': async () => {} } };
    const trainer = new Trainer({ model: new TinyLm(), trainData: batches, batchSpec: tokenBatchSpec, maxDuration: '1ba', optimizer: new DecoupledAdamW(), callbacks: [asyncInTape] });
    await expect(trainer.fit()).rejects.toThrow(/make the handler synchronous/);
    expect(() => new Trainer({ model: new TinyLm(), trainData: batches, batchSpec: tokenBatchSpec, maxDuration: '1ba', optimizer: new DecoupledAdamW(), callbacks: [probe, probe] }))
      .toThrow(/two callbacks are named 'probe'/);
  });
});
