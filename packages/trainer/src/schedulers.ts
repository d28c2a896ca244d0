/**
 * Learning-rate schedules as Composer has them: a scheduler is a pure function of the clock,
 * α(t), and the lr is η₀·α. Times (`tWarmup`, `tMax`) accept any {@link TimeLike}; `dur` is a
 * fraction of `maxDuration` and `ep` becomes batches (so both must resolve to one unit).
 *
 * **The one-step lag (decided: we keep Composer's).** Composer steps its `LambdaLR` after
 * `optimizer.step()` but before the clock advances, so optimizer step k (0-based) uses
 * α(batch = max(k − 1, 0)): with a linear warmup the first two steps both use α(0) = 0. We
 * reproduce that: {@link scheduledLr} evaluates α at `previousTimestamp` (the clock before the
 * last batch; equal to the clock at step 0). LR sequences and loss curves then match runs of
 * the same config on Composer/LLM Foundry step for step, and since the schedule is a pure
 * function of checkpointed timestamps a resumed run gets the same lr without scheduler state.
 */
import { TrainerConfigError } from './errors.js';
import { parseTime, resolveTime, type CountUnit, type Time, type TimeLike, type Timestamp } from './time.js';

/**
 * What a schedule is evaluated against.
 *
 * @example
 * ```ts
 * scheduler.alpha({ timestamp: new Timestamp({ batch: 10 }), maxDuration: parseTime('100ba') });
 * ```
 */
export interface SchedulerContext {
  readonly timestamp: Timestamp;
  readonly maxDuration: Time;
  readonly batchesPerEpoch?: number | undefined;
}

/**
 * A learning-rate multiplier α as a function of the clock.
 *
 * @example
 * ```ts
 * const s = cosineWithWarmupScheduler({ tWarmup: '100ba', alphaF: 0.1 });
 * const lr = 1.2e-4 * s.alpha(context);
 * ```
 */
export interface Scheduler {
  readonly name: string;
  alpha(context: SchedulerContext): number;
}

/**
 * The lr of the coming optimizer step: η₀·α(previousTimestamp) (Composer's one-step lag, see
 * the module doc); η₀ without a scheduler.
 *
 * @example
 * ```ts
 * const lr = scheduledLr(scheduler, optimizer.initialLr, { ...context, timestamp: state.previousTimestamp });
 * ```
 */
export function scheduledLr(scheduler: Scheduler | undefined, initialLr: number, context: SchedulerContext): number {
  if (!scheduler) return initialLr;
  const alpha = scheduler.alpha(context);
  if (!Number.isFinite(alpha) || alpha < 0) throw new TrainerConfigError(`scheduler ${scheduler.name}`, `produced an invalid multiplier ${alpha}`);
  return initialLr * alpha;
}

/** Validate times at construction, so a typo fails before training starts. */
function validate(name: string, times: Record<string, TimeLike | undefined>): void {
  for (const [key, time] of Object.entries(times)) if (time !== undefined) parseTime(time, `${name}.${key}`);
}

/** Resolve times to one counting unit; returns the current count in it too. */
function counts(context: SchedulerContext, name: string, times: Record<string, TimeLike>): { t: number; unit: CountUnit; values: Record<string, number> } {
  const resolved = Object.entries(times).map(([key, time]) => [key, resolveTime(time, { ...context, toBatches: true }, `${name}.${key}`)] as const);
  const unit = resolved[0]![1].unit;
  for (const [key, r] of resolved) {
    if (r.unit !== unit) {
      throw new TrainerConfigError(`${name}.${key}`, `resolves to '${r.unit}' but ${resolved[0]![0]} resolves to '${unit}'`, 'give all times of a scheduler in one unit (ep and dur may be mixed with ba)');
    }
  }
  return { t: context.timestamp.get(unit), unit, values: Object.fromEntries(resolved.map(([k, r]) => [k, r.value])) };
}

/**
 * α = `alpha` until `tMax`, then 1. Defaults: alpha 1, tMax '1dur'.
 *
 * @example
 * ```ts
 * constantScheduler(); // α = 1
 * ```
 */
export function constantScheduler(options: { alpha?: number; tMax?: TimeLike } = {}): Scheduler {
  validate('ConstantScheduler', { tMax: options.tMax });
  const alpha = options.alpha ?? 1;
  return {
    name: 'ConstantScheduler',
    alpha(context) {
      const { t, values } = counts(context, 'ConstantScheduler', { tMax: options.tMax ?? '1dur' });
      return t < values.tMax! ? alpha : 1;
    },
  };
}

/**
 * α = alphaI + (alphaF − alphaI)·min(1, t/tMax). Defaults: 1, 0, '1dur'.
 *
 * @example
 * ```ts
 * linearScheduler({ alphaF: 0.1 });
 * ```
 */
export function linearScheduler(options: { alphaI?: number; alphaF?: number; tMax?: TimeLike } = {}): Scheduler {
  validate('LinearScheduler', { tMax: options.tMax });
  const [alphaI, alphaF] = [options.alphaI ?? 1, options.alphaF ?? 0];
  return {
    name: 'LinearScheduler',
    alpha(context) {
      const { t, values } = counts(context, 'LinearScheduler', { tMax: options.tMax ?? '1dur' });
      return alphaI + (alphaF - alphaI) * Math.min(1, values.tMax! === 0 ? 1 : t / values.tMax!);
    },
  };
}

/**
 * α = alphaF + (1 − alphaF)·½(1 + cos(π·t/tMax)) (not clipped, as Composer).
 *
 * @example
 * ```ts
 * cosineAnnealingScheduler({ alphaF: 0.1 });
 * ```
 */
export function cosineAnnealingScheduler(options: { alphaF?: number; tMax?: TimeLike } = {}): Scheduler {
  validate('CosineAnnealingScheduler', { tMax: options.tMax });
  const alphaF = options.alphaF ?? 0;
  return {
    name: 'CosineAnnealingScheduler',
    alpha(context) {
      const { t, values } = counts(context, 'CosineAnnealingScheduler', { tMax: options.tMax ?? '1dur' });
      return alphaF + (1 - alphaF) * 0.5 * (1 + Math.cos(Math.PI * (values.tMax! === 0 ? 1 : t / values.tMax!)));
    },
  };
}

/**
 * Warmup α = alpha·t/tWarmup, then alpha. Defaults: alpha 1, tMax '1dur'.
 *
 * @example
 * ```ts
 * constantWithWarmupScheduler({ tWarmup: '100ba' });
 * ```
 */
export function constantWithWarmupScheduler(options: { tWarmup: TimeLike; alpha?: number; tMax?: TimeLike }): Scheduler {
  validate('ConstantWithWarmupScheduler', { tWarmup: options.tWarmup, tMax: options.tMax });
  const alpha = options.alpha ?? 1;
  return {
    name: 'ConstantWithWarmupScheduler',
    alpha(context) {
      const { t, values } = counts(context, 'ConstantWithWarmupScheduler', { tWarmup: options.tWarmup, tMax: options.tMax ?? '1dur' });
      return t < values.tWarmup! ? (alpha * t) / values.tWarmup! : alpha;
    },
  };
}

/**
 * Linear warmup to alphaI over tWarmup, then linear to alphaF at tMax
 * (llm-foundry's `linear_decay_with_warmup`). Defaults: alphaI 1, alphaF 0, tMax '1dur'.
 *
 * @example
 * ```ts
 * linearWithWarmupScheduler({ tWarmup: '50ba', alphaF: 0 });
 * ```
 */
export function linearWithWarmupScheduler(options: { tWarmup: TimeLike; alphaI?: number; alphaF?: number; tMax?: TimeLike }): Scheduler {
  validate('LinearWithWarmupScheduler', { tWarmup: options.tWarmup, tMax: options.tMax });
  const [alphaI, alphaF] = [options.alphaI ?? 1, options.alphaF ?? 0];
  return {
    name: 'LinearWithWarmupScheduler',
    alpha(context) {
      const { t, values } = counts(context, 'LinearWithWarmupScheduler', { tWarmup: options.tWarmup, tMax: options.tMax ?? '1dur' });
      const [tw, tm] = [values.tWarmup!, values.tMax!];
      if (t < tw) return (alphaI * t) / tw;
      const fraction = tm <= tw ? 1 : Math.min(1, (t - tw) / (tm - tw));
      return alphaI + (alphaF - alphaI) * fraction;
    },
  };
}

/**
 * Linear warmup over tWarmup, then cosine decay to alphaF at tMax (llm-foundry's
 * `cosine_with_warmup`, the MPT pretraining schedule). Defaults: alphaF 0, tMax '1dur'.
 *
 * @example
 * ```ts
 * cosineWithWarmupScheduler({ tWarmup: '100ba', alphaF: 0.1 });
 * ```
 */
export function cosineWithWarmupScheduler(options: { tWarmup: TimeLike; alphaF?: number; tMax?: TimeLike }): Scheduler {
  validate('CosineAnnealingWithWarmupScheduler', { tWarmup: options.tWarmup, tMax: options.tMax });
  const alphaF = options.alphaF ?? 0;
  return {
    name: 'CosineAnnealingWithWarmupScheduler',
    alpha(context) {
      const { t, values } = counts(context, 'CosineAnnealingWithWarmupScheduler', { tWarmup: options.tWarmup, tMax: options.tMax ?? '1dur' });
      const [tw, tm] = [values.tWarmup!, values.tMax!];
      if (t < tw) return t / tw;
      const tau = tm <= tw ? 0 : Math.min(1, (t - tw) / (tm - tw));
      return alphaF + (1 - alphaF) * 0.5 * (1 + Math.cos(Math.PI * tau));
    },
  };
}

