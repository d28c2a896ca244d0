// Elementwise float32 maps over strided inputs (stride 0 for broadcast dims) into a contiguous
// output, SIMD along the innermost dimension when it is contiguous or broadcast:
//   unary   y[i] = f(x[i])           op: see UNARY below (src/kernels/codes.ts mirrors it)
//   binary  y[i] = a[i] (op) b[i]    op: add sub mul div max min
// Params block (i32 slots, written by src/kernels/strided.ts): [rank, shape..., xStrides...,
// (bStrides...), then rank scratch slots for the odometer]. Rank >= 1 (rank-0 arrives as [1]).
import { expv, erfv, geluErfv, geluTanhv, sigmoidv, tanhv } from './math';

// UNARY: 0 neg 1 abs 2 exp 3 log 4 sqrt 5 rsqrt 6 tanh 7 sigmoid 8 relu 9 erf 10 geluTanh 11 geluErf 12 square 13 copy
@inline function unaryV(op: i32, v: v128): v128 {
  switch (op) {
    case 0: return f32x4.neg(v);
    case 1: return f32x4.abs(v);
    case 2: return expv(v);
    case 4: return f32x4.sqrt(v);
    case 5: return f32x4.div(f32x4.splat(1), f32x4.sqrt(v));
    case 6: return tanhv(v);
    case 7: return sigmoidv(v);
    case 8: return v128.and(v, f32x4.gt(v, f32x4.splat(0)));
    case 9: return erfv(v);
    case 10: return geluTanhv(v);
    case 11: return geluErfv(v);
    case 12: return f32x4.mul(v, v);
    case 13: return v;
    default: {
      // 3: log, lane by lane (musl's logf)
      return f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(Mathf.log(f32x4.extract_lane(v, 0))),
        1, Mathf.log(f32x4.extract_lane(v, 1))), 2, Mathf.log(f32x4.extract_lane(v, 2))), 3, Mathf.log(f32x4.extract_lane(v, 3)));
    }
  }
}

@inline function unaryS(op: i32, x: f32): f32 {
  if (op == 3) return Mathf.log(x);
  return f32x4.extract_lane(unaryV(op, f32x4.splat(x)), 0);
}

@inline function binaryV(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case 0: return f32x4.add(a, b);
    case 1: return f32x4.sub(a, b);
    case 2: return f32x4.mul(a, b);
    case 3: return f32x4.div(a, b);
    case 4: return f32x4.max(a, b);
    default: return f32x4.min(a, b);
  }
}

@inline function binaryS(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    default: return f32x4.extract_lane(binaryV(op, f32x4.splat(a), f32x4.splat(b)), 0);
  }
}

@inline function slot(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/** Unary map of n = product(shape) elements. */
export function unary(op: i32, x: usize, y: usize, p: usize): void {
  const rank = slot(p, 0);
  const inner = slot(p, rank);
  const sx = slot(p, 2 * rank);
  const counters = p + (<usize>(1 + 2 * rank) << 2);
  for (let d = 0; d < rank; d++) store<i32>(counters + (<usize>d << 2), 0);
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) outer *= slot(p, 1 + d);
  let xo: isize = 0;
  for (let o = 0; o < outer; o++) {
    const xs = x + (<usize>xo << 2);
    let i = 0;
    if (sx == 1) {
      for (; i + 4 <= inner; i += 4) v128.store(y + (<usize>i << 2), unaryV(op, v128.load(xs + (<usize>i << 2))));
      for (; i < inner; i++) store<f32>(y + (<usize>i << 2), unaryS(op, load<f32>(xs + (<usize>i << 2))));
    } else {
      for (; i < inner; i++) store<f32>(y + (<usize>i << 2), unaryS(op, load<f32>(xs + (<usize>(i * sx) << 2))));
    }
    y += <usize>inner << 2;
    // odometer over dims rank-2 .. 0
    for (let d = rank - 2; d >= 0; d--) {
      const at = counters + (<usize>d << 2);
      const c = load<i32>(at) + 1;
      const s = slot(p, 1 + rank + d);
      if (c < slot(p, 1 + d)) { store<i32>(at, c); xo += s; break; }
      store<i32>(at, 0);
      xo -= s * (c - 1);
    }
  }
}

/** Binary map; the params block carries a's then b's strides. */
export function binary(op: i32, a: usize, b: usize, y: usize, p: usize): void {
  const rank = slot(p, 0);
  const inner = slot(p, rank);
  const sa = slot(p, 2 * rank);
  const sb = slot(p, 3 * rank);
  const counters = p + (<usize>(1 + 3 * rank) << 2);
  for (let d = 0; d < rank; d++) store<i32>(counters + (<usize>d << 2), 0);
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) outer *= slot(p, 1 + d);
  let ao: isize = 0, bo: isize = 0;
  for (let o = 0; o < outer; o++) {
    const as = a + (<usize>ao << 2);
    const bs = b + (<usize>bo << 2);
    let i = 0;
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= inner; i += 4) {
        v128.store(y + (<usize>i << 2), binaryV(op, v128.load(as + (<usize>i << 2)), v128.load(bs + (<usize>i << 2))));
      }
    } else if (sa == 1 && sb == 0) {
      const bv = v128.load32_splat(bs);
      for (; i + 4 <= inner; i += 4) v128.store(y + (<usize>i << 2), binaryV(op, v128.load(as + (<usize>i << 2)), bv));
    } else if (sa == 0 && sb == 1) {
      const av = v128.load32_splat(as);
      for (; i + 4 <= inner; i += 4) v128.store(y + (<usize>i << 2), binaryV(op, av, v128.load(bs + (<usize>i << 2))));
    }
    for (; i < inner; i++) {
      store<f32>(y + (<usize>i << 2), binaryS(op, load<f32>(as + (<usize>(i * sa) << 2)), load<f32>(bs + (<usize>(i * sb) << 2))));
    }
    y += <usize>inner << 2;
    for (let d = rank - 2; d >= 0; d--) {
      const at = counters + (<usize>d << 2);
      const c = load<i32>(at) + 1;
      const s1 = slot(p, 1 + rank + d);
      const s2 = slot(p, 1 + 2 * rank + d);
      if (c < slot(p, 1 + d)) { store<i32>(at, c); ao += s1; bo += s2; break; }
      store<i32>(at, 0);
      ao -= s1 * (c - 1);
      bo -= s2 * (c - 1);
    }
  }
}

/** y[i] = f(x[i]) over n contiguous elements (a threaded chunk of a contiguous map). */
export function unaryFlat(op: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), unaryV(op, v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), unaryS(op, load<f32>(x + (<usize>i << 2))));
}

/** y[i] = a[i] (op) b[i] over n contiguous elements. */
export function binaryFlat(op: i32, a: usize, b: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(y + (<usize>i << 2), binaryV(op, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2))));
  }
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), binaryS(op, load<f32>(a + (<usize>i << 2)), load<f32>(b + (<usize>i << 2))));
}
