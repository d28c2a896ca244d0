/**
 * Stream weights -> samples drawn per stream per epoch (`Stream.apply_weights`), run once when a
 * dataset is built, with the constructor's shuffle seed.
 *
 *   relative (every stream has `proportion`): E = epochSize or Σ n_s; p = proportion / Σ proportion
 *     (numpy pairwise sum); choose_s = trunc(E·p_s); the shortfall E − Σ choose goes one each to
 *     default_rng(seed).choice(numStreams, shortfall, replace=False).
 *   unspecified weights with epochSize: the same with p_s = n_s / Σ n.
 *   absolute (repeat / choose / nothing; no epochSize): choose_s = trunc(repeat_s·n_s), or choose_s,
 *     or n_s; E = Σ choose_s.
 */
import { InvalidArgumentError } from '../errors.js';
import { defaultRng } from './generator.js';

/** How much of a stream an epoch draws: at most one of the three. */
export interface StreamWeight {
  /** Relative share of the epoch (every stream must then have one). */
  proportion?: number | undefined;
  /** Multiplier of the stream's size (may be fractional). */
  repeat?: number | undefined;
  /** Absolute number of samples per epoch. */
  choose?: number | undefined;
}

/** A stream as the sample order sees it: its shards' sample counts, in order, and its weight. */
export interface OrderStream extends StreamWeight {
  shardSizes: readonly number[];
}

/** A stream with its derived weights (all three, as upstream writes them back). */
export interface WeightedStream {
  shardSizes: readonly number[];
  proportion: number;
  repeat: number;
  choose: number;
}

/**
 * numpy's `add.reduce` on a float64 vector: pairwise summation with 8 accumulators (the rounding
 * of `proportion / proportion.sum()` depends on it).
 *
 * @example
 * ```ts
 * numpySum([0.1, 0.2, 0.3]); // 0.6000000000000001, like np.sum
 * ```
 */
export function numpySum(values: ArrayLike<number>, start = 0, length = values.length): number {
  if (length < 8) {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += values[start + i]!;
    return sum;
  }
  if (length <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = values[start + j]!;
    let i = 8;
    for (; i < length - (length % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = r[j]! + values[start + i + j]!;
    let sum = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < length; i++) sum += values[start + i]!;
    return sum;
  }
  let half = Math.floor(length / 2);
  half -= half % 8;
  return numpySum(values, start, half) + numpySum(values, start + half, length - half);
}

/**
 * Derive every stream's `choose` (samples per epoch) and the epoch size.
 *
 * @example
 * ```ts
 * applyStreamWeights([{ shardSizes: [10, 10], proportion: 1 }, { shardSizes: [5], proportion: 3 }], { seed: 9176 });
 * // { epochSize: 25, streams: [{ choose: 6, ... }, { choose: 19, ... }] }  (trunc(6.25), trunc(18.75), +1 by lot)
 * ```
 */
export function applyStreamWeights(
  streams: readonly OrderStream[],
  options: { epochSize?: number | null | undefined; seed: number },
): { epochSize: number; streams: WeightedStream[] } {
  if (streams.length === 0) throw new InvalidArgumentError('applyStreamWeights', 'at least one stream is required');
  const sizes = streams.map((stream) => stream.shardSizes.reduce((a, b) => a + b, 0));
  const relative = streams[0]!.proportion !== undefined;
  let unspecified = true;
  streams.forEach((stream, i) => {
    const given = [stream.proportion, stream.repeat, stream.choose].filter((x) => x !== undefined).length;
    if (given > 1) {
      throw new InvalidArgumentError('applyStreamWeights', `stream ${i} sets more than one of proportion, repeat and choose`);
    }
    if ((stream.proportion !== undefined) !== relative) {
      throw new InvalidArgumentError(
        'applyStreamWeights',
        `relative (proportion) and absolute (repeat, choose, none) stream weights cannot be mixed (stream ${i})`,
      );
    }
    if (given) unspecified = false;
  });
  const epochSize = options.epochSize ?? 0;
  let choose: number[];
  let proportion: number[];
  let total: number;
  if (relative || (unspecified && epochSize)) {
    total = epochSize || sizes.reduce((a, b) => a + b, 0);
    const weights = new Float64Array(relative ? streams.map((stream) => stream.proportion!) : sizes);
    const sum = numpySum(weights);
    proportion = Array.from(weights, (w) => w / sum);
    choose = proportion.map((p) => Math.trunc(total * p));
    const shortfall = total - choose.reduce((a, b) => a + b, 0);
    for (const index of defaultRng(options.seed).choice(streams.length, shortfall)) choose[index] = choose[index]! + 1;
  } else {
    if (epochSize) {
      throw new InvalidArgumentError('applyStreamWeights', 'epochSize only applies to relatively weighted streams', 'drop epochSize, or weight streams by proportion');
    }
    choose = streams.map((stream, i) =>
      stream.repeat !== undefined ? Math.trunc(stream.repeat * sizes[i]!) : stream.choose ?? sizes[i]!,
    );
    total = choose.reduce((a, b) => a + b, 0);
    proportion = choose.map((c) => c / total);
  }
  return {
    epochSize: total,
    streams: streams.map((stream, i) => ({
      shardSizes: stream.shardSizes,
      proportion: proportion[i]!,
      repeat: choose[i]! / sizes[i]!,
      choose: choose[i]!,
    })),
  };
}
