/**
 * ALiBi slopes (Press et al.; MPT's `gen_slopes`). With B = alibi_bias_max and N the smallest
 * power of two >= H, base_k = 2^(-k B / N) for k = 1..N. When N = H the slopes are
 * base_1..base_N; otherwise base_2, base_4, ..., base_N, base_1, base_3, ... cut to H entries.
 * The bias itself, -slope_h * (i - j), is computed inside the attention kernel (no length cap).
 */

/**
 * The ALiBi slope of every query head.
 *
 * @example
 * ```ts
 * alibiSlopes(4);  // [0.25, 0.0625, 0.015625, 0.00390625]
 * alibiSlopes(3);  // [0.0625, 0.00390625, 0.25]
 * ```
 */
export function alibiSlopes(nHeads: number, alibiBiasMax = 8): number[] {
  const n = 2 ** Math.ceil(Math.log2(nHeads));
  const base = Array.from({ length: n }, (_, i) => 2 ** (-(i + 1) * alibiBiasMax / n));
  if (n === nHeads) return base;
  const even = base.filter((_, i) => i % 2 === 1);
  const odd = base.filter((_, i) => i % 2 === 0);
  return [...even, ...odd].slice(0, nHeads);
}
