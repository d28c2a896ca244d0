// Fused float32 row kernels (contiguous rows; src/kernels/nn.ts sends other layouts to the reference):
//   softmax     y = exp(x - max) / sum exp(x - max) per row of n; log: y = x - max - log(sum)
//   layerNorm   y = (x - mean) * rsqrt(var + eps) * w (+ b) per row of n (two passes, f32 lanes)
//   crossEntropy  over rows r with t_r != ignore: sum of logsumexp(x_r) - x_r[t_r] and the count
//   gather      y[s] = w[ids[s]] (rows of D floats); scatterAdd y[ids[s]] += dy[s]
// Out-of-range ids/targets: the functions return the first bad position (else -1) and stop.
import { expv } from './math';
import { reduceRow } from './reduce';

export function softmax(x: usize, y: usize, rows: i32, n: i32, log: bool): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * n) << 2);
    const yr = y + (<usize>(r * n) << 2);
    const m = reduceRow(1, xr, n, 1);
    const mv = f32x4.splat(m);
    let acc = f32x4.splat(0);
    let j = 0;
    if (log) {
      for (; j + 4 <= n; j += 4) acc = f32x4.add(acc, expv(f32x4.sub(v128.load(xr + (<usize>j << 2)), mv)));
    } else {
      for (; j + 4 <= n; j += 4) {
        const e = expv(f32x4.sub(v128.load(xr + (<usize>j << 2)), mv));
        v128.store(yr + (<usize>j << 2), e);
        acc = f32x4.add(acc, e);
      }
    }
    let total = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; j < n; j++) {
      const e = f32x4.extract_lane(expv(f32x4.splat(load<f32>(xr + (<usize>j << 2)) - m)), 0);
      if (!log) store<f32>(yr + (<usize>j << 2), e);
      total += e;
    }
    j = 0;
    if (log) {
      const shift = f32x4.splat(m + Mathf.log(total));
      for (; j + 4 <= n; j += 4) v128.store(yr + (<usize>j << 2), f32x4.sub(v128.load(xr + (<usize>j << 2)), shift));
      const s = m + Mathf.log(total);
      for (; j < n; j++) store<f32>(yr + (<usize>j << 2), load<f32>(xr + (<usize>j << 2)) - s);
    } else {
      const scale = f32x4.splat(<f32>1 / total);
      for (; j + 4 <= n; j += 4) v128.store(yr + (<usize>j << 2), f32x4.mul(v128.load(yr + (<usize>j << 2)), scale));
      const s = <f32>1 / total;
      for (; j < n; j++) store<f32>(yr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) * s);
    }
  }
}

export function layerNorm(x: usize, w: usize, b: usize, y: usize, rows: i32, n: i32, eps: f32): void {
  const hasBias = b != 0;
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * n) << 2);
    const yr = y + (<usize>(r * n) << 2);
    const mean = reduceRow(0, xr, n, 1) / <f32>n;
    const mv = f32x4.splat(mean);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const d = f32x4.sub(v128.load(xr + (<usize>j << 2)), mv);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let variance = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; j < n; j++) {
      const d = load<f32>(xr + (<usize>j << 2)) - mean;
      variance += d * d;
    }
    const rstd = <f32>1 / Mathf.sqrt(variance / <f32>n + eps);
    const rv = f32x4.splat(rstd);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      let v = f32x4.mul(f32x4.mul(f32x4.sub(v128.load(xr + (<usize>j << 2)), mv), rv), v128.load(w + (<usize>j << 2)));
      if (hasBias) v = f32x4.add(v, v128.load(b + (<usize>j << 2)));
      v128.store(yr + (<usize>j << 2), v);
    }
    for (; j < n; j++) {
      let v = (load<f32>(xr + (<usize>j << 2)) - mean) * rstd * load<f32>(w + (<usize>j << 2));
      if (hasBias) v += load<f32>(b + (<usize>j << 2));
      store<f32>(yr + (<usize>j << 2), v);
    }
  }
}

/** Writes [sum of losses, count] as f64 at out; returns the first bad row or -1. */
export function crossEntropy(x: usize, targets: usize, rows: i32, C: i32, ignore: i32, out: usize): i32 {
  let total: f64 = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(targets + (<usize>r << 2));
    if (t == ignore) continue;
    if (t < 0 || t >= C) return r;
    const xr = x + (<usize>(r * C) << 2);
    const m = reduceRow(1, xr, C, 1);
    const mv = f32x4.splat(m);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= C; j += 4) acc = f32x4.add(acc, expv(f32x4.sub(v128.load(xr + (<usize>j << 2)), mv)));
    let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; j < C; j++) s += f32x4.extract_lane(expv(f32x4.splat(load<f32>(xr + (<usize>j << 2)) - m)), 0);
    total += <f64>m + <f64>Mathf.log(s) - <f64>load<f32>(xr + (<usize>t << 2));
    count++;
  }
  store<f64>(out, total);
  store<f64>(out, <f64>count, 8);
  return -1;
}

export function gather(w: usize, ids: usize, y: usize, count: i32, rows: i32, D: i32): i32 {
  const bytes = <usize>D << 2;
  for (let s = 0; s < count; s++) {
    const id = load<i32>(ids + (<usize>s << 2));
    if (id < 0 || id >= rows) return s;
    memory.copy(y + <usize>s * bytes, w + <usize>id * bytes, bytes);
  }
  return -1;
}

export function scatterAdd(dy: usize, ids: usize, y: usize, count: i32, rows: i32, D: i32): i32 {
  const bytes = <usize>D << 2;
  for (let s = 0; s < count; s++) {
    const id = load<i32>(ids + (<usize>s << 2));
    if (id < 0 || id >= rows) return s;
    const src = dy + <usize>s * bytes;
    const dst = y + <usize>id * bytes;
    let j = 0;
    for (; j + 4 <= D; j += 4) {
      const at = dst + (<usize>j << 2);
      v128.store(at, f32x4.add(v128.load(at), v128.load(src + (<usize>j << 2))));
    }
    for (; j < D; j++) {
      const at = dst + (<usize>j << 2);
      store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>j << 2)));
    }
  }
  return -1;
}
