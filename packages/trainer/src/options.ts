/**
 * The trainer's options and result. Names follow Composer's (camelCased) so configs map one to
 * one: `max_duration` -> `maxDuration`, `device_train_microbatch_size` -> `microBatchSize`,
 * `save_num_checkpoints_to_keep` -> `saveNumCheckpointsToKeep`, ...
 */
import type { Tensor } from '@tessera/tensor';
import type { BatchSpec } from './batch.js';
import type { Callback } from './events.js';
import type { Optimizer } from './optim/optimizer.js';
import type { DataParallelOptions } from './parallel/data-parallel.js';
import type { Scheduler } from './schedulers.js';
import type { Timestamp, TimeLike } from './time.js';
import type { Trainable } from './trainable.js';

/** Batches: any (async) iterable, optionally resumable, epoch-aware and sized. */
export type TrainData<Batch> = (AsyncIterable<Batch> | Iterable<Batch>) & {
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
  /** Called before each epoch's iteration (e.g. to reshuffle). */
  setEpoch?(epoch: number): void;
  /** Batches per epoch, when known (needed for `ep`/`dur` conversions to batches). */
  readonly length?: number;
};

/**
 * Options of {@link Trainer}. Names follow Composer's (camelCased) so configs map one to one.
 *
 * @example
 * ```ts
 * const options: TrainerOptions<TokenBatch> = { model, trainData, batchSpec: tokenBatchSpec, maxDuration: '100ba', optimizer };
 * ```
 */
export interface TrainerOptions<Batch, Outputs = Tensor> {
  readonly model: Trainable<Batch, Outputs>;
  readonly trainData: TrainData<Batch>;
  readonly batchSpec: BatchSpec<Batch>;
  readonly maxDuration: TimeLike;
  readonly optimizer: Optimizer;
  readonly scheduler?: Scheduler;
  /** Samples per microbatch (gradient accumulation); default the whole batch. */
  readonly microBatchSize?: number;
  readonly evalData?: TrainData<Batch>;
  /** Default '1ep'. */
  readonly evalInterval?: TimeLike;
  /** Evaluate on at most this many batches (default all). */
  readonly evalSubsetNumBatches?: number;
  readonly callbacks?: readonly Callback[];
  /** Callbacks that receive metrics; dispatched after `callbacks`. */
  readonly loggers?: readonly Callback[];
  /** Checkpoints, `metrics.jsonl` and the report go here. */
  readonly saveFolder?: string;
  /** Default '1ep'. A final checkpoint is always written. */
  readonly saveInterval?: TimeLike;
  /** Default -1 (keep all). */
  readonly saveNumCheckpointsToKeep?: number;
  /** Resume from the newest valid checkpoint in `saveFolder`, if any. */
  readonly autoresume?: boolean;
  /** Start from this checkpoint folder (ignored when autoresume finds one). */
  readonly loadPath?: string;
  /** Default 17 (llm-foundry's). */
  readonly seed?: number;
  readonly runName?: string;
  /** Abort = stop after the current batch, with a checkpoint. */
  readonly signal?: AbortSignal;
  /** Stop cleanly on the first SIGINT (a second one exits at once). Default true. */
  readonly handleSigint?: boolean;
  /** A NaN/Inf loss or gradient: 'stop' (default, throws NonFiniteLossError) or 'skip' the step. */
  readonly nonFinite?: 'stop' | 'skip';
  /** Compute gradients on worker threads (see parallel/data-parallel.ts). */
  readonly dataParallel?: DataParallelOptions;
  /** Default console.warn. */
  readonly warn?: (message: string) => void;
}

/**
 * What `fit` returns.
 *
 * @example
 * ```ts
 * const { timestamp, stopped, lastCheckpoint } = await trainer.fit();
 * ```
 */
export interface FitResult {
  readonly timestamp: Timestamp;
  /** True when a signal or callback stopped the run before maxDuration. */
  readonly stopped: boolean;
  readonly lastCheckpoint: string | undefined;
  /** The checkpoint the run resumed from. */
  readonly resumedFrom: string | undefined;
}
