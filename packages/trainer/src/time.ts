/**
 * Training time as Composer counts it. Units: `ep` (epoch), `ba` (batch = one optimizer step),
 * `sp` (sample), `tok` (token) and `dur` (a fraction of `maxDuration`). Strings like `"1ep"`,
 * `"200ba"`, `"3e4tok"`, `"0.1dur"` parse case-insensitively; the number must be an integer
 * for every unit but `dur`. A bare number means epochs.
 *
 * A {@link Timestamp} is the trainer's clock: counters since the start of training and since the
 * start of the epoch, plus wall-clock seconds. It is immutable: `afterBatch` and `afterEpoch`
 * return the next one.
 */
import { TrainerConfigError } from './errors.js';

/** A unit of training time. */
export type TimeUnit = 'ep' | 'ba' | 'sp' | 'tok' | 'dur';

/** The counting units (everything but `dur`). */
export type CountUnit = Exclude<TimeUnit, 'dur'>;

const UNITS: readonly TimeUnit[] = ['ep', 'ba', 'sp', 'tok', 'dur'];

/**
 * An amount of training time: a value and a unit.
 *
 * @example
 * ```ts
 * const warmup: Time = { value: 100, unit: 'ba' };
 * ```
 */
export interface Time {
  readonly value: number;
  readonly unit: TimeUnit;
}

/** What options accept: a {@link Time}, a string like `"200ba"`, or a number of epochs. */
export type TimeLike = Time | string | number;

/**
 * Parse a time string (Composer's grammar, without `iter` and wall-clock units).
 *
 * @example
 * ```ts
 * parseTime('200ba');   // { value: 200, unit: 'ba' }
 * parseTime('3e4tok');  // { value: 30000, unit: 'tok' }
 * parseTime('0.1dur');  // { value: 0.1, unit: 'dur' }
 * parseTime(2);         // { value: 2, unit: 'ep' }
 * ```
 */
export function parseTime(input: TimeLike, option = 'time'): Time {
  if (typeof input === 'number') return checked({ value: input, unit: 'ep' }, option, String(input));
  if (typeof input === 'object') return checked(input, option, `${input.value}${input.unit}`);
  const match = /^\s*(.+?)\s*(ep|ba|sp|tok|dur)\s*$/i.exec(input);
  if (!match) {
    throw new TrainerConfigError(option, `cannot parse time '${input}'`, `write a number and a unit: ${UNITS.map((u) => `"10${u}"`).join(', ')}`);
  }
  const value = Number(match[1]);
  return checked({ value, unit: match[2]!.toLowerCase() as TimeUnit }, option, input);
}

function checked(time: Time, option: string, text: string): Time {
  if (!UNITS.includes(time.unit)) throw new TrainerConfigError(option, `unknown time unit '${time.unit}'`, `use one of ${UNITS.join(', ')}`);
  if (!Number.isFinite(time.value) || time.value < 0) throw new TrainerConfigError(option, `time '${text}' must be a finite non-negative number`);
  if (time.unit !== 'dur' && !Number.isInteger(time.value)) {
    throw new TrainerConfigError(option, `time '${text}' must be a whole number of ${time.unit}`, "only 'dur' takes fractions");
  }
  return { value: time.value, unit: time.unit };
}

/**
 * Format a time as its string form.
 *
 * @example
 * ```ts
 * formatTime({ value: 200, unit: 'ba' }); // '200ba'
 * ```
 */
export function formatTime(time: Time): string {
  return `${time.value}${time.unit}`;
}

/** The plain-object form of a {@link Timestamp} (what checkpoints store). */
export interface TimestampFields {
  readonly epoch: number;
  readonly batch: number;
  readonly sample: number;
  readonly token: number;
  readonly batchInEpoch: number;
  readonly sampleInEpoch: number;
  readonly tokenInEpoch: number;
  /** Wall-clock seconds of training, over all resumptions. */
  readonly totalWct: number;
  readonly epochWct: number;
  /** Seconds the last batch took. */
  readonly batchWct: number;
}

const ZERO: TimestampFields = {
  epoch: 0, batch: 0, sample: 0, token: 0, batchInEpoch: 0, sampleInEpoch: 0, tokenInEpoch: 0, totalWct: 0, epochWct: 0, batchWct: 0,
};

/**
 * The training clock (Composer's `Timestamp`).
 *
 * @example
 * ```ts
 * let t = new Timestamp();
 * t = t.afterBatch({ samples: 8, tokens: 8 * 128, seconds: 0.5 });
 * t.get('ba'); // 1
 * t.get('tok'); // 1024
 * ```
 */
export class Timestamp implements TimestampFields {
  readonly epoch: number;
  readonly batch: number;
  readonly sample: number;
  readonly token: number;
  readonly batchInEpoch: number;
  readonly sampleInEpoch: number;
  readonly tokenInEpoch: number;
  readonly totalWct: number;
  readonly epochWct: number;
  readonly batchWct: number;

  constructor(fields: Partial<TimestampFields> = {}) {
    const f = { ...ZERO, ...fields };
    for (const [key, value] of Object.entries(f)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new TrainerConfigError('timestamp', `field ${key} must be a non-negative number, got ${String(value)}`);
      }
    }
    this.epoch = f.epoch;
    this.batch = f.batch;
    this.sample = f.sample;
    this.token = f.token;
    this.batchInEpoch = f.batchInEpoch;
    this.sampleInEpoch = f.sampleInEpoch;
    this.tokenInEpoch = f.tokenInEpoch;
    this.totalWct = f.totalWct;
    this.epochWct = f.epochWct;
    this.batchWct = f.batchWct;
  }

  /** The counter of a counting unit. */
  get(unit: CountUnit): number {
    switch (unit) {
      case 'ep': return this.epoch;
      case 'ba': return this.batch;
      case 'sp': return this.sample;
      case 'tok': return this.token;
    }
  }

  /** The clock after one more batch of `samples` samples and `tokens` tokens. */
  afterBatch(step: { samples: number; tokens: number; seconds: number }): Timestamp {
    return new Timestamp({
      ...this.toJSON(),
      batch: this.batch + 1,
      batchInEpoch: this.batchInEpoch + 1,
      sample: this.sample + step.samples,
      sampleInEpoch: this.sampleInEpoch + step.samples,
      token: this.token + step.tokens,
      tokenInEpoch: this.tokenInEpoch + step.tokens,
      totalWct: this.totalWct + step.seconds,
      epochWct: this.epochWct + step.seconds,
      batchWct: step.seconds,
    });
  }

  /** The clock at the start of the next epoch. */
  afterEpoch(): Timestamp {
    return new Timestamp({ ...this.toJSON(), epoch: this.epoch + 1, batchInEpoch: 0, sampleInEpoch: 0, tokenInEpoch: 0, epochWct: 0 });
  }

  toJSON(): TimestampFields {
    return {
      epoch: this.epoch, batch: this.batch, sample: this.sample, token: this.token,
      batchInEpoch: this.batchInEpoch, sampleInEpoch: this.sampleInEpoch, tokenInEpoch: this.tokenInEpoch,
      totalWct: this.totalWct, epochWct: this.epochWct, batchWct: this.batchWct,
    };
  }
}

/**
 * Resolve a time to a count of a counting unit. `dur` becomes a fraction of `maxDuration`;
 * `ep` becomes batches when `toBatches` is set (schedulers work in batches), which needs the
 * number of batches per epoch.
 *
 * @example
 * ```ts
 * resolveTime('0.1dur', { maxDuration: '1000ba' }); // { value: 100, unit: 'ba' }
 * resolveTime('2ep', { maxDuration: '10ep', batchesPerEpoch: 50, toBatches: true }); // { value: 100, unit: 'ba' }
 * ```
 */
export function resolveTime(time: TimeLike, context: { maxDuration: TimeLike; batchesPerEpoch?: number | undefined; toBatches?: boolean }, option = 'time'):
  { value: number; unit: CountUnit } {
  const t = parseTime(time, option);
  const max = parseTime(context.maxDuration, 'maxDuration');
  if (max.unit === 'dur') throw new TrainerConfigError('maxDuration', "maxDuration cannot be in 'dur'");
  const epochsToBatches = (epochs: number): number => {
    if (context.batchesPerEpoch === undefined) {
      throw new TrainerConfigError(option, `'${formatTime(t)}' needs the number of batches per epoch`, 'give the training data a `length`, or use ba/sp/tok units');
    }
    return Math.floor(epochs * context.batchesPerEpoch);
  };
  if (t.unit === 'dur') {
    if (max.unit === 'ep' && context.toBatches) return { value: epochsToBatches(t.value * max.value), unit: 'ba' };
    return { value: Math.floor(t.value * max.value), unit: max.unit };
  }
  if (t.unit === 'ep' && context.toBatches) return { value: epochsToBatches(t.value), unit: 'ba' };
  return { value: t.value, unit: t.unit };
}

/**
 * The fraction of `maxDuration` a timestamp has covered (Composer's `elapsed duration`).
 *
 * @example
 * ```ts
 * elapsedFraction(new Timestamp({ batch: 50 }), '200ba'); // 0.25
 * ```
 */
export function elapsedFraction(timestamp: Timestamp, maxDuration: TimeLike): number {
  const max = parseTime(maxDuration, 'maxDuration');
  if (max.unit === 'dur') throw new TrainerConfigError('maxDuration', "maxDuration cannot be in 'dur'");
  return max.value === 0 ? 1 : timestamp.get(max.unit) / max.value;
}
