/**
 * Randomness that survives a restart. `@tessera/tensor`'s `Generator` does not expose its state,
 * so instead of saving generator state the trainer derives a fresh generator for every batch
 * from (run seed, batch index): counter-based, like JAX's `fold_in`. A resumed run at batch b
 * draws exactly the numbers the uninterrupted run drew at batch b, and the checkpoint's RNG
 * state is just the seed.
 */
import { Generator, manualSeed } from '@tessera/tensor';

/**
 * A 32-bit seed for stream `index` of run seed `seed` (murmur3's finaliser over both).
 *
 * @example
 * ```ts
 * deriveSeed(17, 0) !== deriveSeed(17, 1); // true
 * ```
 */
export function deriveSeed(seed: number, index: number): number {
  let h = (Math.trunc(seed) ^ 0x5bd1e995) >>> 0;
  for (const word of [index >>> 0, Math.floor(index / 2 ** 32) >>> 0, Math.floor(Math.abs(seed) / 2 ** 32) >>> 0]) {
    h = Math.imul(h ^ word, 0xcc9e2d51) >>> 0;
    h = ((h << 15) | (h >>> 17)) >>> 0;
    h = (Math.imul(h, 0x1b873593) + 0xe6546b64) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The generator for batch `batch` of a run, after reseeding the process-wide generator (ops
 * called without a seed) from the same stream, so both are reproducible after a resume.
 *
 * @example
 * ```ts
 * const generator = batchGenerator(17, state.timestamp.batch);
 * ```
 */
export function batchGenerator(seed: number, batch: number): Generator {
  const derived = deriveSeed(seed, batch);
  manualSeed(deriveSeed(derived, 1));
  return new Generator(derived);
}
