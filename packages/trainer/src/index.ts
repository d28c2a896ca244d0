/**
 * @tessera/trainer: a Composer-style training loop. Time units and timestamps, events and
 * callbacks, DecoupledLionW / DecoupledAdamW / AdamW, learning-rate schedules, gradient
 * accumulation and clipping, checkpoints with autoresume, loggers, a speed monitor and
 * single-machine data parallelism. Models plug in through the small {@link Trainable}
 * interface; data is any (async) iterable of batches.
 *
 * @example
 * ```ts
 * import { Trainer, DecoupledLionW, cosineWithWarmupScheduler, tokenBatchSpec } from '@tessera/trainer';
 * const trainer = new Trainer({ model, trainData, batchSpec: tokenBatchSpec, maxDuration: '200ba',
 *   optimizer: new DecoupledLionW({ lr: 1e-3 }), scheduler: cosineWithWarmupScheduler({ tWarmup: '20ba' }) });
 * await trainer.fit();
 * ```
 */
export { Trainer } from './trainer.js';
export type { TrainerOptions, TrainData, FitResult } from './options.js';
export type { Trainable, ForwardContext } from './trainable.js';
export { tokenBatchSpec, splitBatch, shardBatch, IGNORE_INDEX, type BatchSpec, type TokenBatch } from './batch.js';
export { parseTime, formatTime, resolveTime, elapsedFraction, Timestamp, type Time, type TimeLike, type TimeUnit, type CountUnit, type TimestampFields } from './time.js';
export { TRAINER_EVENTS, SYNC_EVENTS, EventBus, type TrainerEvent, type TrainerState, type Callback, type EventHandler, type Logger } from './events.js';
export { intervalFires } from './interval.js';
export { StatefulOptimizer, type Optimizer, type OptimizerState, type Hyperparameters } from './optim/optimizer.js';
export { DecoupledLionW, type LionOptions } from './optim/lion.js';
export { AdamW, DecoupledAdamW, type AdamOptions } from './optim/adam.js';
export { LionStep, type LionStepAttrs } from './optim/lion-step.js';
export { AdamStep, type AdamStepAttrs } from './optim/adam-step.js';
export {
  scheduledLr, constantScheduler, linearScheduler, cosineAnnealingScheduler, constantWithWarmupScheduler, linearWithWarmupScheduler, cosineWithWarmupScheduler,
  type Scheduler, type SchedulerContext,
} from './schedulers.js';
export { accumulateGradients, globalNorm, scaleGradients, type GradientHooks } from './gradients.js';
export { deriveSeed, batchGenerator } from './rng.js';
export { gradientClipping } from './callbacks/gradient-clipping.js';
export { ConsoleLogger, formatDuration, type ConsoleStream } from './callbacks/console-logger.js';
export { MetricsFileLogger, readMetrics } from './callbacks/metrics-file.js';
export { lossReport, renderLossReport } from './callbacks/loss-report.js';
export { speedMonitor, transformerFlopsPerToken, PEAK_FLOPS, type SpeedMonitorOptions } from './callbacks/speed-monitor.js';
export {
  writeCheckpoint, verifyCheckpoint, listCheckpoints, pruneCheckpoints, removeTemporaries, checkpointName, CHECKPOINT_MAGIC, CHECKPOINT_VERSION,
  type CheckpointManifest,
} from './checkpoint/checkpoint.js';
export { saveTrainerCheckpoint, loadTrainerCheckpoint, type CheckpointState, type ResumableData } from './checkpoint/trainer-checkpoint.js';
export { encodeSafetensors, decodeSafetensors } from './checkpoint/safetensors.js';
export { writeFileAtomic, writeFileDurable, sha256File } from './checkpoint/files.js';
export { DataParallel, type DataParallelOptions, type TrainableFactory } from './parallel/data-parallel.js';
export { TrainerConfigError, NonFiniteLossError, CheckpointIntegrityError } from './errors.js';
