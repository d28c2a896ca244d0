// Fused float32 backward kernels (contiguous; src/kernels/nn.ts sends other dtypes to the reference):
//   geluBackward         dx = dy * gelu'(x), exact (erf) or tanh form, flat
//   layerNormBackward    per row of n: dx = rstd (g - mean g - xhat mean(g xhat)), g = dy w; and
//                        dw += dy xhat, db += dy into the caller's per-chunk float partials
//   crossEntropyBackward per row of C: y = (softmax(x) - onehot(t)) * scale; ignored rows 0 * scale
// Targets are checked by the caller.
import { erfv, expv, tanhv } from './math';
import { reduceRow } from './reduce';

@inline function geluGradv(v: v128, tanhForm: bool): v128 {
  if (tanhForm) {
    const v2 = f32x4.mul(v, v);
    const t = tanhv(f32x4.mul(f32x4.mul(v, f32x4.add(f32x4.splat(1), f32x4.mul(v2, f32x4.splat(0.044715)))), f32x4.splat(0.7978845608028654)));
    const dt = f32x4.mul(f32x4.sub(f32x4.splat(1), f32x4.mul(t, t)),
      f32x4.mul(f32x4.add(f32x4.splat(1), f32x4.mul(v2, f32x4.splat(0.134145))), f32x4.splat(0.7978845608028654)));
    return f32x4.add(f32x4.mul(f32x4.add(t, f32x4.splat(1)), f32x4.splat(0.5)), f32x4.mul(f32x4.mul(v, f32x4.splat(0.5)), dt));
  }
  const cdf = f32x4.mul(f32x4.add(erfv(f32x4.mul(v, f32x4.splat(0.7071067811865476))), f32x4.splat(1)), f32x4.splat(0.5));
  const pdf = f32x4.mul(expv(f32x4.mul(f32x4.mul(v, v), f32x4.splat(-0.5))), f32x4.splat(0.3989422804014327));
  return f32x4.add(cdf, f32x4.mul(v, pdf));
}

export function geluBackward(dy: usize, x: usize, dx: usize, n: i32, tanhForm: bool): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), geluGradv(v128.load(x + o), tanhForm)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dx + o, load<f32>(dy + o) * f32x4.extract_lane(geluGradv(f32x4.splat(load<f32>(x + o)), tanhForm), 0));
  }
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

export function layerNormBackward(dy: usize, x: usize, w: usize, dx: usize, dw: usize, db: usize, rows: i32, n: i32, eps: f32): void {
  const hasBias = db != 0;
  for (let r = 0; r < rows; r++) {
    const row = <usize>(r * n) << 2;
    const xr = x + row, dr = dy + row, or = dx + row;
    // mean and rstd as the forward kernel computes them
    const mean = reduceRow(0, xr, n, 1) / <f32>n;
    const mv = f32x4.splat(mean);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const d = f32x4.sub(v128.load(xr + (<usize>j << 2)), mv);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let variance = hsum(acc);
    for (; j < n; j++) {
      const d = load<f32>(xr + (<usize>j << 2)) - mean;
      variance += d * d;
    }
    const rstd = <f32>1 / Mathf.sqrt(variance / <f32>n + eps);
    const rv = f32x4.splat(rstd);
    // mean g and mean g * xhat
    let sg = f32x4.splat(0), sgx = f32x4.splat(0);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const g = f32x4.mul(v128.load(dr + o), v128.load(w + o));
      sg = f32x4.add(sg, g);
      sgx = f32x4.add(sgx, f32x4.mul(g, f32x4.mul(f32x4.sub(v128.load(xr + o), mv), rv)));
    }
    let tg = hsum(sg), tgx = hsum(sgx);
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const g = load<f32>(dr + o) * load<f32>(w + o);
      tg += g;
      tgx += g * ((load<f32>(xr + o) - mean) * rstd);
    }
    const mg = tg / <f32>n, mgx = tgx / <f32>n;
    const mgv = f32x4.splat(mg), mgxv = f32x4.splat(mgx);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const d = v128.load(dr + o);
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), rv);
      v128.store(or + o, f32x4.mul(rv, f32x4.sub(f32x4.sub(f32x4.mul(d, v128.load(w + o)), mgv), f32x4.mul(xhat, mgxv))));
      v128.store(dw + o, f32x4.add(v128.load(dw + o), f32x4.mul(d, xhat)));
      if (hasBias) v128.store(db + o, f32x4.add(v128.load(db + o), d));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(dr + o);
      const xhat = (load<f32>(xr + o) - mean) * rstd;
      store<f32>(or + o, rstd * (d * load<f32>(w + o) - mg - xhat * mgx));
      store<f32>(dw + o, load<f32>(dw + o) + d * xhat);
      if (hasBias) store<f32>(db + o, load<f32>(db + o) + d);
    }
  }
}

export function crossEntropyBackward(x: usize, targets: usize, y: usize, rows: i32, C: i32, ignore: i32, scale: f32): void {
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(targets + (<usize>r << 2));
    const xr = x + (<usize>(r * C) << 2);
    const yr = y + (<usize>(r * C) << 2);
    if (t == ignore) {
      const zero = <f32>0 * scale; // NaN when every target is ignored (scale inf), as the decomposition
      for (let j = 0; j < C; j++) store<f32>(yr + (<usize>j << 2), zero);
      continue;
    }
    const m = reduceRow(1, xr, C, 1);
    const mv = f32x4.splat(m);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const e = expv(f32x4.sub(v128.load(xr + (<usize>j << 2)), mv));
      v128.store(yr + (<usize>j << 2), e);
      acc = f32x4.add(acc, e);
    }
    let total = hsum(acc);
    for (; j < C; j++) {
      const e = f32x4.extract_lane(expv(f32x4.splat(load<f32>(xr + (<usize>j << 2)) - m)), 0);
      store<f32>(yr + (<usize>j << 2), e);
      total += e;
    }
    const pt = load<f32>(yr + (<usize>t << 2)) / total;
    const k = scale / total;
    const kv = f32x4.splat(k);
    j = 0;
    for (; j + 4 <= C; j += 4) v128.store(yr + (<usize>j << 2), f32x4.mul(v128.load(yr + (<usize>j << 2)), kv));
    for (; j < C; j++) store<f32>(yr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) * k);
    store<f32>(yr + (<usize>t << 2), (pt - <f32>1) * scale);
  }
}
