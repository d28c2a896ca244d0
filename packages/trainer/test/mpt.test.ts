/**
 * The proof: a 2-layer MPT from @tessera/model, trained by this trainer on real text (Moby Dick
 * chapters 1-12, public domain, tokenized as bytes: vocabulary 256, no tokenizer), until the
 * held-out loss falls well below the unigram entropy of the text (3.047 nats per byte; the
 * bigram conditional entropy is 2.396). Training stops as soon as an evaluation (every 20
 * batches) reaches the target, so a fast machine stops early. Its checkpoints load with
 * MPTForCausalLM.fromPretrained.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, useBackend, type Backend } from '@tessera/tensor';
import { createNativeBackend } from '@tessera/kernels-native';
import { createConfig, MPTForCausalLM } from '@tessera/model';
import {
  cosineWithWarmupScheduler, DecoupledAdamW, gradientClipping, MetricsFileLogger, readMetrics, speedMonitor, tokenBatchSpec, Trainer, transformerFlopsPerToken,
  type Callback, type TokenBatch,
} from '../src/index.js';
import { temporaryFolder } from './helpers.js';
import { mptTrainable } from './mpt-adapter.js';

// Tests choose a backend: the native one when its addon is built (falls back to the reference
// backend with a notice otherwise), so this real training run stays quick on two busy cores.
let previous: Backend;
beforeAll(async () => {
  previous = getBackend();
  useBackend(await createNativeBackend({ threads: 1 }));
});
afterAll(() => useBackend(previous));

const bytes = new Int32Array(readFileSync(new URL('./fixtures/moby-dick.txt', import.meta.url)));
const split = Math.floor(bytes.length * 0.9);
const [B, T] = [8, 32];

function unigramEntropy(data: Int32Array): number {
  const counts = new Map<number, number>();
  for (const b of data) counts.set(b, (counts.get(b) ?? 0) + 1);
  return -[...counts.values()].reduce((s, c) => s + (c / data.length) * Math.log(c / data.length), 0);
}

/** `count` batches of random windows of bytes[from, to) (a fixed LCG, so runs repeat). */
function windows(from: number, to: number, count: number, seed: number): TokenBatch[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    const tokens = new Int32Array(B * T);
    for (let r = 0; r < B; r++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const at = from + (x % (to - from - T));
      tokens.set(bytes.subarray(at, at + T), r * T);
    }
    return { tokens, batchSize: B, seqLen: T };
  });
}

describe('MPT on real text', () => {
  it('a 2-layer MPT learns bytes of Moby Dick well below the unigram entropy', async () => {
    const entropy = unigramEntropy(bytes);
    expect(entropy).toBeCloseTo(3.047, 3);
    const target = entropy - 0.45;
    const config = createConfig({ dModel: 32, nHeads: 2, nLayers: 2, vocabSize: 256, maxSeqLen: T, tieWordEmbeddings: false });
    const model = MPTForCausalLM.init(config, { seed: 1 });
    const parameters = Object.values(model.parameters()).reduce((s, t) => s + t.size, 0);
    const stopAtTarget: Callback = { name: 'stop-at-target', events: { 'eval-end': (s) => { if (s.evalLoss! < target) s.stopRequested = true; } } };
    const folder = temporaryFolder();
    const trainer = new Trainer({
      model: mptTrainable(model), trainData: windows(0, split, 240, 1), batchSpec: tokenBatchSpec, maxDuration: '240ba',
      optimizer: new DecoupledAdamW({ lr: 2e-2, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0 }),
      scheduler: cosineWithWarmupScheduler({ tWarmup: '10ba', alphaF: 0.1 }),
      evalData: windows(split, bytes.length, 8, 2), evalInterval: '20ba', saveFolder: folder, saveInterval: '0ba',
      callbacks: [gradientClipping({ threshold: 1 }), speedMonitor({ flopsPerToken: transformerFlopsPerToken({ parameters, nLayers: 2, dModel: 32, seqLen: T }) }), stopAtTarget],
      loggers: [new MetricsFileLogger()], handleSigint: false,
    });
    const result = await trainer.fit();
    const rows = await readMetrics(`${folder}/metrics.jsonl`);
    const evals = rows.filter((r) => r['eval/loss'] !== undefined).map((r) => `${r.batch}: ${r['eval/loss']!.toFixed(3)}`);
    console.log(`MPT bytes: ${parameters} parameters, unigram entropy ${entropy.toFixed(3)}, eval loss by batch ${evals.join(', ')}; ` +
      `${Math.round(rows.at(-1)!['throughput/tokensPerSec']!)} tokens/s`);
    expect(trainer.state.evalLoss!).toBeLessThan(target);
    expect(rows[0]!.loss!).toBeGreaterThan(5); // ~ln 256 at the start

    // The final checkpoint is a Hugging Face folder: fromPretrained gives the same model.
    const loaded = await MPTForCausalLM.fromPretrained(result.lastCheckpoint!);
    const [probe] = windows(split, bytes.length, 1, 3) as [TokenBatch];
    const ids = Array.from({ length: B }, (_, b) => Array.from(probe.tokens.subarray(b * T, (b + 1) * T)));
    expect(await loaded.loss(ids).item()).toBe(await model.loss(ids).item());
    loaded.dispose();
    model.dispose();
  }, 300_000);
});
