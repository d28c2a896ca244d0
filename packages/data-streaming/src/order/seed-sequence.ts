/**
 * numpy's `SeedSequence` (no spawn key), bit-exact: how `np.random.default_rng(seed)` turns an
 * integer seed into the 128-bit state and increment of its PCG64.
 *
 * Math (all words u32, arithmetic mod 2^32):
 *   entropy = seed split into u32 words, least significant first (0 -> [0]);
 *   hashmix(v): v ^= h; h *= 0x931e8875; v *= h; v ^= v >>> 16   (h starts at 0x43b0d7e5, persists)
 *   mix(x, y) = (0xca01f9dd * x - 0x4973f715 * y), then ^= >>> 16
 *   pool[i] = hashmix(entropy[i] ?? 0), i < 4; then pool[dst] = mix(pool[dst], hashmix(pool[src]))
 *   for src, dst != src; then entropy words past the fourth are mixed into every dst.
 *   Output word i: v = pool[i % 4] ^ h'; h' *= 0x58f38ded; v *= h'; v ^= v >>> 16 (h' = 0x8b51f9dd).
 */
import { InvalidArgumentError } from '../errors.js';

const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const POOL_SIZE = 4;

/**
 * Split a non-negative integer seed into u32 words, least significant first, as numpy does.
 *
 * @example
 * ```ts
 * seedWords(2n ** 32n + 5n); // [5, 1]
 * ```
 */
export function seedWords(seed: number | bigint): number[] {
  let value: bigint;
  if (typeof seed === 'bigint') value = seed;
  else {
    if (!Number.isSafeInteger(seed)) {
      throw new InvalidArgumentError('SeedSequence', `seed must be a safe integer, got ${seed}`, 'pass a bigint for larger seeds');
    }
    value = BigInt(seed);
  }
  if (value < 0n) throw new InvalidArgumentError('SeedSequence', `seed must be non-negative, got ${seed}`);
  if (value === 0n) return [0];
  const words: number[] = [];
  while (value > 0n) {
    words.push(Number(value & 0xffffffffn));
    value >>= 32n;
  }
  return words;
}

/**
 * The mixed entropy pool of `SeedSequence(seed)`, with `generateState` to draw u32 words.
 *
 * @example
 * ```ts
 * const words = new SeedSequence(9176).generateState(8); // 8 u32 words = 4 u64 (low word first)
 * ```
 */
export class SeedSequence {
  readonly pool: Uint32Array;

  constructor(seed: number | bigint) {
    const entropy = seedWords(seed);
    const pool = new Uint32Array(POOL_SIZE);
    let hashConst = INIT_A;
    const hashmix = (input: number): number => {
      let value = (input ^ hashConst) >>> 0;
      hashConst = Math.imul(hashConst, MULT_A) >>> 0;
      value = Math.imul(value, hashConst) >>> 0;
      return (value ^ (value >>> 16)) >>> 0;
    };
    const mix = (x: number, y: number): number => {
      const result = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
      return (result ^ (result >>> 16)) >>> 0;
    };
    for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(entropy[i] ?? 0);
    for (let src = 0; src < POOL_SIZE; src++) {
      for (let dst = 0; dst < POOL_SIZE; dst++) {
        if (src !== dst) pool[dst] = mix(pool[dst]!, hashmix(pool[src]!));
      }
    }
    for (let src = POOL_SIZE; src < entropy.length; src++) {
      for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst]!, hashmix(entropy[src]!));
    }
    this.pool = pool;
  }

  /** `generate_state(n, uint32)`: n u32 words. */
  generateState(numWords: number): Uint32Array {
    const out = new Uint32Array(numWords);
    let hashConst = INIT_B;
    for (let i = 0; i < numWords; i++) {
      let value = (this.pool[i % POOL_SIZE]! ^ hashConst) >>> 0;
      hashConst = Math.imul(hashConst, MULT_B) >>> 0;
      value = Math.imul(value, hashConst) >>> 0;
      out[i] = (value ^ (value >>> 16)) >>> 0;
    }
    return out;
  }

  /** `generate_state(n, uint64)`: n u64 words as bigints (two u32 words each, low first). */
  generateState64(numWords: number): bigint[] {
    const words = this.generateState(numWords * 2);
    const out: bigint[] = [];
    for (let i = 0; i < numWords; i++) out.push((BigInt(words[2 * i + 1]!) << 32n) | BigInt(words[2 * i]!));
    return out;
  }
}
