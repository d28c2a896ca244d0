// Float32 reductions of x viewed as [O outputs] x [R reduced] with element strides (so, sr)
// (src/kernels/reduce.ts collapses the kept and reduced axes to one each, or uses the reference):
//   op 0 Sum   y[o] = sum_r x[o, r]            1 Max / 2 Min (NaN propagates)
//   op 3 LogSumExp  y[o] = m + log(sum_r exp(x[o, r] - m)), m = max_r x[o, r] (+-inf and NaN rows give m)
// A contiguous row (sr = 1) is reduced with four v128 lanes; contiguous outputs (so = 1, a column
// sum such as a bias gradient) are combined four at a time while x is read row by row.
import { expv } from './math';

@inline function combine(op: i32, a: v128, b: v128): v128 {
  if (op == 0) return f32x4.add(a, b);
  if (op == 2) return f32x4.min(a, b);
  return f32x4.max(a, b);
}

@inline function identity(op: i32): f32 {
  if (op == 0) return 0;
  if (op == 2) return Infinity;
  return -Infinity;
}

@inline function horizontal(op: i32, v: v128): f32 {
  const h = combine(op, v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(combine(op, h, i32x4.shuffle(h, h, 1, 0, 3, 2)), 0);
}

/** Reduce one row of R elements at stride sr with op 0, 1 or 2. */
export function reduceRow(op: i32, x: usize, R: i32, sr: i32): f32 {
  let acc = f32x4.splat(identity(op));
  let r = 0;
  if (sr == 1) {
    let acc2 = acc;
    for (; r + 8 <= R; r += 8) {
      acc = combine(op, acc, v128.load(x + (<usize>r << 2)));
      acc2 = combine(op, acc2, v128.load(x + (<usize>r << 2), 16));
    }
    acc = combine(op, acc, acc2);
    for (; r + 4 <= R; r += 4) acc = combine(op, acc, v128.load(x + (<usize>r << 2)));
  }
  for (; r < R; r++) acc = combine(op, acc, f32x4.replace_lane(f32x4.splat(identity(op)), 0, load<f32>(x + (<usize>(r * sr) << 2))));
  return horizontal(op, acc);
}

function logSumExpRow(x: usize, R: i32, sr: i32): f32 {
  const m = reduceRow(1, x, R, sr);
  if (m == Infinity || m == -Infinity || isNaN(m)) return m;
  const mv = f32x4.splat(m);
  let acc = f32x4.splat(0);
  let r = 0;
  if (sr == 1) for (; r + 4 <= R; r += 4) acc = f32x4.add(acc, expv(f32x4.sub(v128.load(x + (<usize>r << 2)), mv)));
  let tail: f32 = 0;
  for (; r < R; r++) tail += f32x4.extract_lane(expv(f32x4.splat(load<f32>(x + (<usize>(r * sr) << 2)) - m)), 0);
  return m + Mathf.log(horizontal(0, acc) + tail);
}

export function reduce(op: i32, x: usize, y: usize, O: i32, so: i32, R: i32, sr: i32): void {
  if (so == 1 && sr != 1 && op != 3 && O >= 4) {
    // Column reduction: walk x row by row (contiguous), combining into y (which stays in cache).
    const O4 = O & ~3;
    const init = f32x4.splat(identity(op));
    for (let o = 0; o < O4; o += 4) v128.store(y + (<usize>o << 2), init);
    for (let r = 0; r < R; r++) {
      const row = x + (<usize>(r * sr) << 2);
      for (let o = 0; o < O4; o += 4) {
        const at = y + (<usize>o << 2);
        v128.store(at, combine(op, v128.load(at), v128.load(row + (<usize>o << 2))));
      }
    }
    for (let o = O4; o < O; o++) store<f32>(y + (<usize>o << 2), reduceRow(op, x + (<usize>o << 2), R, sr));
    return;
  }
  for (let o = 0; o < O; o++) {
    const row = x + (<usize>(o * so) << 2);
    store<f32>(y + (<usize>o << 2), op == 3 ? logSumExpRow(row, R, sr) : reduceRow(op, row, R, sr));
  }
}
