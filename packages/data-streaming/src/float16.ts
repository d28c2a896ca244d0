/**
 * IEEE 754 half precision <-> JavaScript numbers (Node 20 has no `Float16Array`).
 * `numberToHalfBits` rounds to nearest, ties to even, straight from float64 like numpy's
 * `astype(np.float16)` (no double rounding through float32).
 *
 * @example
 * ```ts
 * halfBitsToNumber(0x3c00);   // 1
 * numberToHalfBits(65504);    // 0x7bff
 * numberToHalfBits(1e6);      // 0x7c00 (Infinity)
 * ```
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The 16 bits of the half-precision value nearest to `x`.
 *
 * @example
 * ```ts
 * numberToHalfBits(-2); // 0xc000
 * ```
 */
export function numberToHalfBits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24);
  f64[0] = a;
  const hi = u32[1]!;
  let e = ((hi >>> 20) & 0x7ff) - 1023;
  const m = a / 2 ** e;
  let r = roundHalfEven((m - 1) * 1024);
  if (r === 1024) {
    r = 0;
    e += 1;
  }
  if (e + 15 >= 31) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | r;
}

/**
 * The number a half-precision bit pattern stands for.
 *
 * @example
 * ```ts
 * halfBitsToNumber(0x0001); // 5.960464477539063e-8 (smallest subnormal)
 * ```
 */
export function halfBitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}
