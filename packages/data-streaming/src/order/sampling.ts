/**
 * Per-epoch resampling (`get_sampling`, `resample_streams`): how many samples each shard gives
 * this epoch, and the map from the epoch's "big" ids to underlying sample ids.
 *
 *   getSampling(sizes, choose, g): if choose % N == 0, size_i·choose/N each; else size_i·(choose//N)
 *     plus a remainder r dealt out in picks of g samples (the last pick of a shard is its leftover),
 *     picks visited in default_rng(seed + epoch | seed).permutation order until r is spent.
 *   resampleStreams: rng = default_rng(seed + epoch) ("balanced") or default_rng(seed) ("fixed"),
 *     shared by all streams; per shard (size n, global offset o, chosen c): units += [n]·(c // n)
 *     (+ [c % n]); smallPerBig += (o + arange(n))·(c // n) (+ o + sort(rng.choice(n, c % n))).
 */
import { InvalidArgumentError } from '../errors.js';
import { defaultRng } from './generator.js';
import type { WeightedStream } from './weights.js';

/** `balanced` (default): partial repeats drawn afresh each epoch; `fixed`: the same every epoch. */
export type SamplingMethod = 'balanced' | 'fixed';

/**
 * Samples to draw from each shard of one stream this epoch.
 *
 * @example
 * ```ts
 * getSampling([10, 10, 10, 7], 50, 1, 9176, 0, true); // [15, 12, 14, 9]
 * ```
 */
export function getSampling(
  samplesPerShard: readonly number[],
  choose: number,
  granularity: number,
  seed: number,
  epoch: number,
  useEpoch: boolean,
): number[] {
  if (!Number.isSafeInteger(choose) || choose < 0) throw new InvalidArgumentError('getSampling', `choose must be a non-negative integer, got ${choose}`);
  if (!Number.isSafeInteger(granularity) || granularity <= 0) {
    throw new InvalidArgumentError('getSampling', `granularity must be a positive integer, got ${granularity}`);
  }
  const numSamples = samplesPerShard.reduce((a, b) => a + b, 0);
  if (numSamples === 0) throw new InvalidArgumentError('getSampling', 'the stream has no samples');
  if (choose % numSamples === 0) return samplesPerShard.map((size) => (size * choose) / numSamples);

  // Picks of `granularity` samples, shard-major; the last pick of each shard is its leftover.
  const picksPerShard = samplesPerShard.map((size) => Math.floor((size + granularity - 1) / granularity));
  const numPicks = picksPerShard.reduce((a, b) => a + b, 0);
  const pickShard = new Int32Array(numPicks);
  const pickSize = new Float64Array(numPicks).fill(granularity);
  let at = 0;
  picksPerShard.forEach((picks, shard) => pickShard.fill(shard, at, (at += picks)));
  let cumulative = 0;
  picksPerShard.forEach((picks, shard) => {
    cumulative += picks;
    // numpy index cumsum − 1; −1 (an empty first shard) wraps to the last pick, as upstream does.
    const last = cumulative - 1 < 0 ? numPicks + cumulative - 1 : cumulative - 1;
    pickSize[last] = samplesPerShard[shard]! - (picks - 1) * granularity;
  });

  const order = defaultRng(useEpoch ? seed + epoch : seed).permutation(numPicks);
  const out = samplesPerShard.map((size) => size * Math.floor(choose / numSamples));
  let remaining = choose % numSamples;
  for (const pick of order) {
    const taken = Math.min(remaining, pickSize[pick]!);
    out[pickShard[pick]!] = out[pickShard[pick]!]! + taken;
    remaining -= taken;
    if (!remaining) break;
  }
  return out;
}

/** Options of {@link resampleStreams}. */
export interface ResampleOptions {
  shuffleSeed: number;
  epoch: number;
  samplingMethod?: SamplingMethod;
  samplingGranularity?: number;
}

/**
 * The epoch's shuffle units (span sizes) and big-id -> underlying-sample-id map.
 *
 * @example
 * ```ts
 * const { shuffleUnits, smallPerBig } = resampleStreams([{ shardSizes: [4], proportion: 1, repeat: 2.5, choose: 10 }],
 *   { shuffleSeed: 9176, epoch: 0 });
 * shuffleUnits; // [4, 4, 2]; smallPerBig = [0,1,2,3, 0,1,2,3, two of 0..3 sorted]
 * ```
 */
export function resampleStreams(
  streams: readonly WeightedStream[],
  options: ResampleOptions,
): { shuffleUnits: number[]; smallPerBig: Float64Array } {
  const method = options.samplingMethod ?? 'balanced';
  const granularity = options.samplingGranularity ?? 1;
  const rng = defaultRng(method === 'balanced' ? options.shuffleSeed + options.epoch : options.shuffleSeed);
  const useEpoch = method === 'balanced';
  const perShard: number[][] = [];
  let epochSize = 0;
  for (const stream of streams) {
    const chosen = getSampling(stream.shardSizes, stream.choose, granularity, options.shuffleSeed, options.epoch, useEpoch);
    perShard.push(chosen);
    for (const c of chosen) epochSize += c;
  }
  const shuffleUnits: number[] = [];
  const smallPerBig = new Float64Array(epochSize);
  let at = 0;
  let shardOffset = 0;
  streams.forEach((stream, s) => {
    stream.shardSizes.forEach((size, i) => {
      const chosen = perShard[s]![i]!;
      if (size > 0) {
        const fullRepeats = Math.floor(chosen / size);
        const shortfall = chosen % size;
        for (let k = 0; k < fullRepeats; k++) {
          shuffleUnits.push(size);
          for (let j = 0; j < size; j++) smallPerBig[at++] = shardOffset + j;
        }
        if (shortfall) {
          shuffleUnits.push(shortfall);
          const partial = rng.choice(size, shortfall).sort();
          for (const j of partial) smallPerBig[at++] = shardOffset + j;
        }
      }
      shardOffset += size;
    });
  });
  return { shuffleUnits, smallPerBig };
}
