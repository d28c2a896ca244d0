/**
 * `py2s` and `naive` shuffles.
 *
 *   py2s   fixed = default_rng(seed): shuffle the list of shards, then each shard's ids (in list
 *          order); cut the list into C parts at floor(S·(c+1)/C) (pieces keep their order);
 *          ep = default_rng(seed + epoch): per part, shuffle its list of pieces, then each piece's
 *          ids; concatenate.
 *   naive  default_rng(seed + epoch).permutation(S).
 * Shapes: input shard (unit) sizes, output a permutation of 0..S−1 (S = Σ sizes).
 */
import { defaultRng } from './generator.js';
import type { ShuffleResult } from './shuffle-py1.js';

/**
 * `py2s`: intra-shard shuffle in two places (run-fixed, then per epoch).
 *
 * @example
 * ```ts
 * shufflePy2s([10, 10, 10, 7], 2, 9176, 0).ids.length; // 37
 * ```
 */
export function shufflePy2s(shardSizes: ArrayLike<number>, numCanonicalNodes: number, seed: number, epoch: number): ShuffleResult {
  let numSamples = 0;
  for (let i = 0; i < shardSizes.length; i++) numSamples += shardSizes[i]!;
  const all = new Float64Array(numSamples);
  for (let i = 0; i < numSamples; i++) all[i] = i;
  const shards: Float64Array[] = [];
  let offset = 0;
  for (let i = 0; i < shardSizes.length; i++) {
    shards.push(all.subarray(offset, offset + shardSizes[i]!));
    offset += shardSizes[i]!;
  }

  const fixed = defaultRng(seed);
  fixed.shuffle(shards);
  for (const shard of shards) fixed.shuffleRange(shard, 0, shard.length);

  // Cut into parts; pieces are views, so shuffling them shuffles the shard in place, like numpy.
  const parts: Float64Array[][] = [];
  let shardIndex = 0;
  let samplesSoFar = 0;
  for (let part = 0; part < numCanonicalNodes; part++) {
    const partEnd = Math.floor((numSamples * (part + 1)) / numCanonicalNodes);
    const pieces: Float64Array[] = [];
    while (shardIndex < shards.length) {
      const shard = shards[shardIndex]!;
      if (partEnd < samplesSoFar + shard.length) {
        if (samplesSoFar < partEnd) {
          const split = partEnd - samplesSoFar;
          pieces.push(shard.subarray(0, split));
          shards[shardIndex] = shard.subarray(split);
          samplesSoFar += split;
        }
        break;
      }
      pieces.push(shard);
      shardIndex++;
      samplesSoFar += shard.length;
    }
    parts.push(pieces);
  }

  const epochRng = defaultRng(seed + epoch);
  const ids = new Float64Array(numSamples);
  let at = 0;
  for (const pieces of parts) {
    epochRng.shuffle(pieces);
    for (const piece of pieces) epochRng.shuffleRange(piece, 0, piece.length);
  }
  for (const pieces of parts) {
    for (const piece of pieces) {
      ids.set(piece, at);
      at += piece.length;
    }
  }
  return { ids, warnings: [] };
}

/**
 * `naive`: a global permutation per epoch (no shard locality at all).
 *
 * @example
 * ```ts
 * Array.from(shuffleNaive([10, 10, 10, 7], 9176, 0).ids).slice(0, 4); // [6, 2, 21, 18]
 * ```
 */
export function shuffleNaive(shardSizes: ArrayLike<number>, seed: number, epoch: number): ShuffleResult {
  let numSamples = 0;
  for (let i = 0; i < shardSizes.length; i++) numSamples += shardSizes[i]!;
  return { ids: defaultRng(seed + epoch).permutation(numSamples), warnings: [] };
}
