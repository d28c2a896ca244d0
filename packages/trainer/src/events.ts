/**
 * Events and callbacks. The loop fires events named `<noun>-<start|end>` in Composer's order;
 * callbacks subscribe to the ones they need and read (or, for `optimizer-step-start`, change)
 * the trainer state. Loggers are callbacks that also receive metrics.
 *
 * ```
 * fit-start
 *   epoch-start
 *     batch-start
 *       per microbatch: forward-start forward-end loss-start loss-end backward-start backward-end
 *       optimizer-step-start      (grads final: clipping happens here)   optimizer-step-end
 *     batch-end
 *     [eval-start (eval-batch-start eval-batch-end)* eval-end]    when evalInterval fires
 *     [checkpoint-start checkpoint-end]                            when saveInterval fires
 *   epoch-end  [eval] [checkpoint]                                 when the data is exhausted
 * [eval] [final checkpoint]
 * fit-end
 * ```
 *
 * Dispatch order: `callbacks` in the order given, then `loggers`. Handlers may be async, except
 * those of the events inside the differentiated function (`forward-*`, `loss-*`,
 * `backward-start`), which run synchronously while the gradient tape records.
 */
import type { Tensor } from '@tessera/tensor';
import { TrainerConfigError } from './errors.js';
import type { Optimizer } from './optim/optimizer.js';
import type { Time, Timestamp } from './time.js';
import type { Trainable } from './trainable.js';

/** Every event, in the order a batch fires them. */
export const TRAINER_EVENTS = [
  'fit-start', 'epoch-start', 'batch-start',
  'forward-start', 'forward-end', 'loss-start', 'loss-end', 'backward-start', 'backward-end',
  'optimizer-step-start', 'optimizer-step-end', 'batch-end',
  'eval-start', 'eval-batch-start', 'eval-batch-end', 'eval-end',
  'checkpoint-start', 'checkpoint-end', 'epoch-end', 'fit-end',
] as const;

/** A trainer event name. */
export type TrainerEvent = (typeof TRAINER_EVENTS)[number];

/** Events fired inside the differentiated function: their handlers must be synchronous. */
export const SYNC_EVENTS: ReadonlySet<TrainerEvent> = new Set(['forward-start', 'forward-end', 'loss-start', 'loss-end', 'backward-start']);

/**
 * What callbacks see. Fields are valid at the events named in their comments.
 *
 * @example
 * ```ts
 * const printer: Callback = { name: 'printer', events: { 'batch-end': (state) => console.log(state.timestamp.batch, state.loss) } };
 * ```
 */
export interface TrainerState<Batch = unknown, Outputs = unknown> {
  readonly runName: string;
  /** The run seed (restored from a checkpoint on resume). */
  seed: number;
  readonly model: Trainable<Batch, Outputs>;
  readonly optimizer: Optimizer;
  readonly maxDuration: Time;
  /** Batches per epoch when the training data has a `length`. */
  readonly batchesPerEpoch: number | undefined;
  readonly saveFolder: string | undefined;
  /** The clock; advanced just before `batch-end` and `epoch-end`. */
  timestamp: Timestamp;
  /** The clock before the last batch (interval and scheduler arithmetic use it). */
  previousTimestamp: Timestamp;
  /** The current batch (batch-start .. batch-end). */
  batch: Batch | undefined;
  /** The current microbatch (forward-start .. backward-end). */
  microbatch: Batch | undefined;
  /** Model outputs of the current microbatch (forward-end .. backward-start; disposed after the backward pass). */
  outputs: Outputs | undefined;
  /** Mean loss of the last batch (after backward-end of its last microbatch). */
  loss: number;
  /** Accumulated gradients of the batch by parameter name (optimizer-step-start .. optimizer-step-end). Replace entries to change them. */
  grads: Record<string, Tensor> | undefined;
  /** Global L2 norm of `grads` before clipping (optimizer-step-start ..). */
  gradNorm: number | undefined;
  /** The learning rate of the current step. */
  lr: number;
  /** Held-out loss and perplexity of the last evaluation (eval-end ..). */
  evalLoss: number | undefined;
  evalPerplexity: number | undefined;
  /** The folder of the last checkpoint written or loaded. */
  lastCheckpoint: string | undefined;
  /** Set by a callback (or the abort signal) to stop cleanly after the current batch. */
  stopRequested: boolean;
}

/**
 * Receives metrics: the trainer's (`loss`, `lr`, `gradNorm`, `eval/loss`, ...) and any a
 * callback logs.
 *
 * @example
 * ```ts
 * logger.logMetrics({ 'throughput/tokensPerSec': 1234 });
 * ```
 */
export interface Logger {
  logMetrics(metrics: Readonly<Record<string, number>>): void;
}

/** A handler; async except for the events in {@link SYNC_EVENTS}. */
export type EventHandler = (state: TrainerState, logger: Logger) => void | Promise<void>;

/**
 * A callback: handlers by event name, optional state for checkpoints, and (for loggers) a metrics sink.
 *
 * @example
 * ```ts
 * const stopAt: Callback = {
 *   name: 'stop-at-loss',
 *   events: { 'batch-end': (state) => { if (state.loss < 1) state.stopRequested = true; } },
 * };
 * ```
 */
export interface Callback {
  /** Unique among the trainer's callbacks: the key of its checkpoint state. */
  readonly name: string;
  readonly events?: Partial<Record<TrainerEvent, EventHandler>>;
  /** Loggers: metrics logged during the current batch or evaluation. */
  logMetrics?(metrics: Readonly<Record<string, number>>, state: TrainerState): void;
  /** State saved in checkpoints (JSON). */
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
}

/**
 * Runs events through callbacks and metrics through loggers.
 *
 * @example
 * ```ts
 * const events = new EventBus([recorder], [new MetricsFileLogger()]);
 * await events.emit('fit-start', state);
 * ```
 */
export class EventBus implements Logger {
  readonly all: readonly Callback[];
  #state: TrainerState | undefined;

  constructor(callbacks: readonly Callback[], loggers: readonly Callback[]) {
    this.all = [...callbacks, ...loggers];
    const names = new Set<string>();
    for (const c of this.all) {
      if (names.has(c.name)) throw new TrainerConfigError('callbacks', `two callbacks are named '${c.name}'`, 'names key callback state in checkpoints: make them unique');
      names.add(c.name);
    }
  }

  async emit(event: TrainerEvent, state: TrainerState): Promise<void> {
    this.#state = state;
    for (const c of this.all) await c.events?.[event]?.(state, this);
  }

  /** For the events inside the differentiated function. */
  emitSync(event: TrainerEvent, state: TrainerState): void {
    this.#state = state;
    for (const c of this.all) {
      const result = c.events?.[event]?.(state, this);
      if (result instanceof Promise) {
        throw new TrainerConfigError(`callback '${c.name}'`, `the '${event}' handler returned a Promise`, `'${event}' runs while the gradient tape records: make the handler synchronous`);
      }
    }
  }

  logMetrics(metrics: Readonly<Record<string, number>>): void {
    const state = this.#state;
    if (!state) return;
    for (const c of this.all) c.logMetrics?.(metrics, state);
  }

  /** Callback states by name, for a checkpoint. */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.all) if (c.stateDict) out[c.name] = c.stateDict();
    return out;
  }

  loadStateDict(states: Readonly<Record<string, unknown>>): void {
    for (const c of this.all) if (c.loadStateDict && c.name in states) c.loadStateDict(states[c.name]);
  }
}
