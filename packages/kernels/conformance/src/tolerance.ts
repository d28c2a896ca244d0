/**
 * Tolerances derived from the dtype, never chosen per test.
 *
 * A backend's output in dtype D is compared with the reference CPU backend computing in float64
 * from the same (D-rounded) inputs, so the difference is the backend's own rounding:
 *
 *   |actual - expected| <= tol * max(1, max|expected|) + tol * |expected|,  tol = c(D) * eps(D)
 *
 * eps is the dtype's machine epsilon (2^-52, 2^-23, 2^-10, 2^-7). c = 4096 for float64 and 128
 * for float32 leave room for a different summation order over reductions of up to a few hundred
 * terms and for the few roundings a gradient rule adds. float16/bfloat16 are storage formats
 * (every kernel computes in float32 and rounds once to storage), so c = 4: a few half ulps.
 * Integer and bool results must match exactly.
 */
import type { DType } from '@tessera/tensor';

/**
 * Machine epsilon (spacing of numbers at 1) of each floating-point dtype; 0 for exact dtypes.
 *
 * @example
 * ```ts
 * MACHINE_EPSILON.bfloat16; // 0.0078125
 * ```
 */
export const MACHINE_EPSILON: Readonly<Record<DType, number>> = {
  float64: 2 ** -52,
  float32: 2 ** -23,
  float16: 2 ** -10,
  bfloat16: 2 ** -7,
  int32: 0,
  bool: 0,
};

const MULTIPLIER: Readonly<Record<DType, number>> = { float64: 4096, float32: 128, float16: 4, bfloat16: 4, int32: 0, bool: 0 };

/**
 * The comparison tolerance for results in `dtype` (0: exact).
 *
 * @example
 * ```ts
 * toleranceFor('float32'); // about 1.5e-5
 * ```
 */
export function toleranceFor(dtype: DType): number {
  return MULTIPLIER[dtype] * MACHINE_EPSILON[dtype];
}

/** The worst element outside the tolerance, from {@link compareValues}. @example `if (m) console.log(m.index, m.actual, m.expected)` */
export interface Mismatch {
  /** Elements outside the tolerance. */
  count: number;
  /** The worst of them (flat row-major index). */
  index: number;
  actual: number;
  expected: number;
}

/**
 * Compare two arrays of equal length under {@link toleranceFor}'s rule; NaN equals NaN and
 * infinities must match exactly. Returns the worst mismatch, or null when all elements agree.
 *
 * @example
 * ```ts
 * const m = compareValues(await y.data(), expected, toleranceFor(y.dtype));
 * if (m) throw new Error(`${m.count} elements differ, worst at ${m.index}`);
 * ```
 */
export function compareValues(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): Mismatch | null {
  if (actual.length !== expected.length) {
    return { count: Math.max(actual.length, expected.length), index: -1, actual: actual.length, expected: expected.length };
  }
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(expected[i]!);
    if (Number.isFinite(e) && e > scale) scale = e;
  }
  let worst: Mismatch | null = null;
  let worstExcess = -Infinity;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const allowed = tolerance * scale + tolerance * Math.abs(e);
    const diff = Math.abs(a - e);
    if (Number.isFinite(a) && Number.isFinite(e) && diff <= allowed) continue;
    count++;
    const excess = Number.isFinite(diff) ? diff / Math.max(allowed, Number.MIN_VALUE) : Infinity;
    if (worst === null || excess > worstExcess) {
      worst = { count: 0, index: i, actual: a, expected: e };
      worstExcess = excess;
    }
  }
  if (worst) worst.count = count;
  return worst;
}
