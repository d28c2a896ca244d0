/**
 * The subset of numpy's `Generator` (numpy 1.24 - 2.x) that mosaicml-streaming's sample order
 * uses, bit-exact: `random`, `integers` (int64, high exclusive), `uniform`, `shuffle`,
 * `permutation` and `choice(n, k, replace=False)`.
 *
 * Algorithms (numpy `distributions.c` / `_generator.pyx`):
 *   interval(max)    (shuffle, permutation): 0 if max == 0; else mask = all ones up to max's top
 *                    bit, repeat v = (max <= 2^32-1 ? next32 : next64) & mask until v <= max.
 *   shuffle(x)       for i = n-1 .. 1: j = interval(i); swap x[i], x[j].
 *   bounded(r)       (integers, choice) inclusive [0, r]: r == 0 -> 0 without a draw;
 *                    r == 2^32-1 -> next32; r < 2^32-1 -> Lemire: m = next32·(r+1),
 *                    redraw while (m mod 2^32) < (2^32-1-r) mod (r+1), return m >> 32;
 *                    r >= 2^32: the same with next64 and 128-bit products.
 *   uniform(lo, hi)  lo + (hi - lo)·nextDouble
 *   choice(n, k)     n > 10000 and k > n // 50: partial tail shuffle of arange(n) with bounded();
 *                    else Floyd's algorithm, then the k results shuffled with bounded().
 */
import { InvalidArgumentError } from '../errors.js';
import { PCG64 } from './pcg64.js';

const MASK64 = (1n << 64n) - 1n;

/** A mutable indexable sequence: a plain array or a typed array. */
export interface MutableArrayLike<T> {
  readonly length: number;
  [index: number]: T;
}

/**
 * numpy's `Generator(PCG64(SeedSequence(seed)))`.
 *
 * @example
 * ```ts
 * const rng = defaultRng(9176);
 * rng.integers(196608, 327680); // 321922
 * ```
 */
export class NumpyGenerator {
  readonly bitGenerator: PCG64;

  constructor(bitGenerator: PCG64) {
    this.bitGenerator = bitGenerator;
  }

  /** `random_raw()`: the next raw 64-bit output. */
  randomRaw(): bigint {
    return this.bitGenerator.next64Big();
  }

  /** `random()`: a float64 in [0, 1). */
  random(): number {
    return this.bitGenerator.nextDouble();
  }

  /** `uniform(low, high)`: `low + (high - low) · random()`. */
  uniform(low: number, high: number): number {
    const range = high - low;
    if (!Number.isFinite(range)) throw new InvalidArgumentError('uniform', 'range exceeds valid bounds');
    return low + range * this.bitGenerator.nextDouble();
  }

  /** `uniform(low, high, size)`: `size` draws, in order. */
  uniformArray(low: number, high: number, size: number): Float64Array {
    const range = high - low;
    if (!Number.isFinite(range)) throw new InvalidArgumentError('uniform', 'range exceeds valid bounds');
    const out = new Float64Array(size);
    const bits = this.bitGenerator;
    for (let i = 0; i < size; i++) out[i] = low + range * bits.nextDouble();
    return out;
  }

  /**
   * `integers(low, high)` with the default int64 dtype (`high` exclusive). `low` and `high` are
   * integers within ±2^53; the result is exact.
   */
  integers(low: number, high: number): number {
    if (!Number.isInteger(low) || !Number.isInteger(high) || Math.abs(low) > 2 ** 53 || Math.abs(high) > 2 ** 53) {
      throw new InvalidArgumentError('integers', `bounds must be integers within ±2^53, got [${low}, ${high})`);
    }
    if (high <= low) throw new InvalidArgumentError('integers', `high <= low ([${low}, ${high}))`);
    if (high - low > 2 ** 53) throw new InvalidArgumentError('integers', `range [${low}, ${high}) is wider than 2^53`);
    return low + this.bounded(high - 1 - low);
  }

  /** `integers(low, high, size)`: `size` draws, in order. */
  integersArray(low: number, high: number, size: number): Float64Array {
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) out[i] = this.integers(low, high);
    return out;
  }

  /** `random_bounded_uint64(0, range)`: uniform in [0, range] (inclusive), Lemire's method. */
  bounded(range: number): number {
    if (range === 0) return 0;
    const bits = this.bitGenerator;
    if (range < 0xffffffff) {
      const rangeExcl = range + 1;
      let x = bits.next32();
      let leftover = Math.imul(x, rangeExcl) >>> 0;
      if (leftover < rangeExcl) {
        const threshold = (0xffffffff - range) % rangeExcl;
        while (leftover < threshold) {
          x = bits.next32();
          leftover = Math.imul(x, rangeExcl) >>> 0;
        }
      }
      return mulHigh32(x, rangeExcl);
    }
    if (range === 0xffffffff) return bits.next32();
    return Number(this.bounded64(BigInt(range)));
  }

  private bounded64(range: bigint): bigint {
    if (range === MASK64) return this.bitGenerator.next64Big();
    const rangeExcl = range + 1n;
    let m = this.bitGenerator.next64Big() * rangeExcl;
    let leftover = m & MASK64;
    if (leftover < rangeExcl) {
      const threshold = (MASK64 - range) % rangeExcl;
      while (leftover < threshold) {
        m = this.bitGenerator.next64Big() * rangeExcl;
        leftover = m & MASK64;
      }
    }
    return m >> 64n;
  }

  /** `random_interval(max)`: uniform in [0, max] by masked rejection (used by `shuffle`). */
  interval(max: number): number {
    if (max === 0) return 0;
    const bits = this.bitGenerator;
    if (max <= 0xffffffff) {
      let mask = max;
      mask |= mask >>> 1;
      mask |= mask >>> 2;
      mask |= mask >>> 4;
      mask |= mask >>> 8;
      mask |= mask >>> 16;
      let value: number;
      do value = (bits.next32() & mask) >>> 0;
      while (value > max);
      return value;
    }
    let mask = BigInt(max);
    for (let shift = 1n; shift <= 32n; shift <<= 1n) mask |= mask >> shift;
    const limit = BigInt(max);
    let value: bigint;
    do value = bits.next64Big() & mask;
    while (value > limit);
    return Number(value);
  }

  /** `shuffle(x)` in place (a list or a 1-D array: numpy uses the same draws for both). */
  shuffle<T>(x: MutableArrayLike<T>): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const tmp = x[i]!;
      x[i] = x[j]!;
      x[j] = tmp;
    }
  }

  /** `shuffle(x[start:end])` in place on a numeric typed array (the hot path). */
  shuffleRange(x: Float64Array, start: number, end: number): void {
    const bits = this.bitGenerator;
    for (let i = end - start - 1; i > 0; i--) {
      let j: number;
      if (i <= 0xffffffff) {
        let mask = i;
        mask |= mask >>> 1;
        mask |= mask >>> 2;
        mask |= mask >>> 4;
        mask |= mask >>> 8;
        mask |= mask >>> 16;
        do j = (bits.next32() & mask) >>> 0;
        while (j > i);
      } else {
        j = this.interval(i);
      }
      const a = start + i;
      const b = start + j;
      const tmp = x[a]!;
      x[a] = x[b]!;
      x[b] = tmp;
    }
  }

  /** `permutation(n)`: a shuffled `arange(n)`. */
  permutation(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    this.shuffleRange(out, 0, n);
    return out;
  }

  /** `choice(n, size, replace=False)` (with numpy's default `shuffle=True`). */
  choice(n: number, size: number): Float64Array {
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(size) || n < 0 || size < 0) {
      throw new InvalidArgumentError('choice', `expected non-negative integers, got n=${n}, size=${size}`);
    }
    if (size > n) {
      throw new InvalidArgumentError('choice', `cannot take a larger sample (${size}) than population (${n}) without replacement`);
    }
    if (n > 10000 && size > Math.floor(n / 50)) {
      // Tail shuffle of arange(n): positions n-1 down to max(n-size, 1).
      const idx = new Float64Array(n);
      for (let i = 0; i < n; i++) idx[i] = i;
      const first = Math.max(n - size, 1);
      for (let i = n - 1; i >= first; i--) {
        const j = this.bounded(i);
        const tmp = idx[i]!;
        idx[i] = idx[j]!;
        idx[j] = tmp;
      }
      return idx.slice(n - size);
    }
    // Floyd's algorithm, then a shuffle of the result with bounded draws.
    const out = new Float64Array(size);
    const taken = new Set<number>();
    for (let j = n - size; j < n; j++) {
      let value = this.bounded(j);
      if (taken.has(value)) value = j;
      taken.add(value);
      out[j - n + size] = value;
    }
    for (let i = size - 1; i >= 1; i--) {
      const j = this.bounded(i);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }
}

/**
 * `np.random.default_rng(seed)`.
 *
 * @example
 * ```ts
 * Array.from(defaultRng(0).permutation(10)); // [4, 6, 2, 7, 3, 5, 9, 0, 8, 1]
 * ```
 */
export function defaultRng(seed: number | bigint): NumpyGenerator {
  return new NumpyGenerator(PCG64.fromSeed(seed));
}

/** floor(x · y / 2^32) for u32 x, y, exactly (the product can exceed 2^53). */
function mulHigh32(x: number, y: number): number {
  const low = (x & 0xffff) * y; // < 2^48
  const high = (x >>> 16) * y; // < 2^48
  const highTop = Math.floor(high / 65536);
  const middle = (high - highTop * 65536) * 65536 + low; // < 2^49
  return highTop + Math.floor(middle / 4294967296);
}
