/**
 * `get_shuffle(algo, shard_sizes, C, seed, epoch, block_size)`: the permutation of an epoch's
 * (resampled) sample space. `ids[position] = big sample id`. `blockSize` is only used by `py1e`,
 * `py1br` and `py1b`.
 */
import { InvalidArgumentError } from '../errors.js';
import { shufflePy1b, shufflePy1br, shufflePy1e, shufflePy1s, type ShuffleResult } from './shuffle-py1.js';
import { shuffleNaive, shufflePy2s } from './shuffle-py2s.js';

/** The shuffle algorithms of mosaicml-streaming (`py1b` only for runs begun before 0.11). */
export type ShuffleAlgo = 'py1e' | 'py1s' | 'py1br' | 'py1b' | 'py2s' | 'naive';

/** Every {@link ShuffleAlgo}, default first. */
export const SHUFFLE_ALGOS: readonly ShuffleAlgo[] = ['py1e', 'py1s', 'py1br', 'py1b', 'py2s', 'naive'];

/**
 * The shuffled order of one epoch.
 *
 * @example
 * ```ts
 * const { ids, warnings } = getShuffle('py1e', [100, 80, 120], 2, 9176, 0, 50);
 * ids.length; // 300, a permutation of 0..299
 * ```
 */
export function getShuffle(
  algo: ShuffleAlgo,
  shardSizes: ArrayLike<number>,
  numCanonicalNodes: number,
  seed: number,
  epoch: number,
  blockSize: number = 1 << 18,
): ShuffleResult {
  if (!Number.isSafeInteger(numCanonicalNodes) || numCanonicalNodes < 1) {
    throw new InvalidArgumentError('getShuffle', `numCanonicalNodes must be a positive integer, got ${numCanonicalNodes}`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0 || !Number.isSafeInteger(epoch) || epoch < 0) {
    throw new InvalidArgumentError('getShuffle', `seed and epoch must be non-negative integers, got ${seed}, ${epoch}`);
  }
  for (let i = 0; i < shardSizes.length; i++) {
    const size = shardSizes[i]!;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new InvalidArgumentError('getShuffle', `shard size ${i} must be a non-negative integer, got ${size}`);
    }
  }
  // py1br draws its stagger from [0, ⌊0.75·block⌋), which needs block >= 2.
  const minBlock = algo === 'py1br' ? 2 : algo === 'py1e' || algo === 'py1b' ? 1 : 0;
  if (minBlock && (!Number.isSafeInteger(blockSize) || blockSize < minBlock)) {
    throw new InvalidArgumentError('getShuffle', `shuffleBlockSize must be an integer >= ${minBlock} for ${algo}, got ${blockSize}`);
  }
  switch (algo) {
    case 'py1e':
      return shufflePy1e(shardSizes, numCanonicalNodes, seed, epoch, blockSize);
    case 'py1s':
      return shufflePy1s(shardSizes, numCanonicalNodes, seed, epoch);
    case 'py1br':
      return shufflePy1br(shardSizes, numCanonicalNodes, seed, epoch, blockSize);
    case 'py1b':
      return shufflePy1b(shardSizes, numCanonicalNodes, seed, epoch, blockSize);
    case 'py2s':
      return shufflePy2s(shardSizes, numCanonicalNodes, seed, epoch);
    case 'naive':
      return shuffleNaive(shardSizes, seed, epoch);
    default:
      throw new InvalidArgumentError('getShuffle', `unknown shuffle algorithm '${String(algo)}'`, `use one of ${SHUFFLE_ALGOS.join(', ')}`);
  }
}

export type { ShuffleResult };
