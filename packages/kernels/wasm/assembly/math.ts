// Vector math on f32x4 lanes, accurate to a few float32 ulps (absolute error below 2e-7 near 1):
//   exp     Cephes expf: n = floor(x log2 e + 1/2), r = x - n ln 2 (two-part ln 2), degree-6
//           polynomial in r, times 2^n built in the exponent bits. Overflows to +inf, underflows to
//           0, NaN propagates (f32x4.min/max propagate NaN).
//   erf     Abramowitz-Stegun 7.1.26 (absolute error below 1.5e-7), odd extension.
//   tanh    sign(x) (1 - 2 / (exp(2|x|) + 1)); sigmoid 1 / (1 + exp(-x)).

@inline export function expv(v: v128): v128 {
  let x = f32x4.min(f32x4.max(v, f32x4.splat(-88.3762626647949)), f32x4.splat(88.3762626647949));
  const fx = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(0.5)));
  x = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  x = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  const z = f32x4.mul(x, x);
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), x), f32x4.splat(1));
  const n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23);
  return f32x4.mul(y, n);
}

@inline export function erfv(v: v128): v128 {
  const ax = f32x4.abs(v);
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(ax, f32x4.splat(0.3275911))));
  let p = f32x4.splat(1.061405429);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.453152027));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.421413741));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.284496736));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.254829592));
  p = f32x4.mul(p, t);
  const r = f32x4.sub(f32x4.splat(1), f32x4.mul(p, expv(f32x4.neg(f32x4.mul(ax, ax)))));
  // copy the sign of v onto r
  return v128.or(v128.and(r, i32x4.splat(0x7fffffff)), v128.and(v, i32x4.splat(0x80000000)));
}

@inline export function tanhv(v: v128): v128 {
  const e = expv(f32x4.mul(f32x4.abs(v), f32x4.splat(2)));
  const r = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  return v128.or(v128.and(r, i32x4.splat(0x7fffffff)), v128.and(v, i32x4.splat(0x80000000)));
}

@inline export function sigmoidv(v: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expv(f32x4.neg(v))));
}

@inline export function geluErfv(v: v128): v128 {
  const e = erfv(f32x4.mul(v, f32x4.splat(0.7071067811865476)));
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), v), f32x4.add(f32x4.splat(1), e));
}

@inline export function geluTanhv(v: v128): v128 {
  const inner = f32x4.mul(f32x4.splat(0.7978845608028654), f32x4.add(v, f32x4.mul(f32x4.splat(0.044715), f32x4.mul(v, f32x4.mul(v, v)))));
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), v), f32x4.add(f32x4.splat(1), tanhv(inner)));
}
