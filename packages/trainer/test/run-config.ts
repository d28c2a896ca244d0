/**
 * One training configuration used by the resume tests, in process and in a child process
 * (fixtures/train-child.ts): the tiny model with dropout (so the RNG matters), a resumable
 * loader of 5 batches per epoch (or a plain array, which is spun forward on resume), Lion with
 * a cosine schedule, microbatches, checkpoints every 3 batches, metrics.jsonl and the report.
 */
import { ConsoleLogger, cosineWithWarmupScheduler, DecoupledLionW, gradientClipping, lossReport, MetricsFileLogger, tokenBatchSpec, type Callback, type TokenBatch, type TrainerOptions } from '../src/index.js';
import { markovTokens, ResumableLoader, tokenBatches, TinyLm } from './tiny.js';

export const MAX_BATCHES = 12;

export function runConfig(saveFolder: string, options: { resumable?: boolean; callbacks?: Callback[]; console?: boolean; signal?: AbortSignal } = {}): TrainerOptions<TokenBatch> {
  const batches = tokenBatches(markovTokens(3000), { batchSize: 4, seqLen: 8, count: 5 });
  return {
    model: new TinyLm(16, 8, 1, 0.2),
    trainData: options.resumable === false ? batches : new ResumableLoader(batches),
    batchSpec: tokenBatchSpec,
    maxDuration: `${MAX_BATCHES}ba`,
    optimizer: new DecoupledLionW({ lr: 1e-2, betas: [0.9, 0.95], weightDecay: 1e-4 }),
    scheduler: cosineWithWarmupScheduler({ tWarmup: '3ba', alphaF: 0.1 }),
    microBatchSize: 2,
    seed: 42,
    saveFolder,
    saveInterval: '3ba',
    autoresume: true,
    signal: options.signal,
    callbacks: [gradientClipping({ threshold: 1 }), ...(options.callbacks ?? [])],
    loggers: [new MetricsFileLogger(), lossReport(), ...(options.console ? [new ConsoleLogger({ progressBar: false })] : [])],
    warn: () => {},
  };
}
