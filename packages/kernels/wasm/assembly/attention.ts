// Fused attention on float32, FlashAttention style (the model's Attention / AttentionBackward):
//   q [B, H, Tq, hd], k, v [B, G, Tk, hd], keyMask [B, Tk] bytes (1 = attend) or none
//   query head h reads key/value head g = h / (H / G); query row i sits at position p_i = i + Tk - Tq
//   s[i, j] = scale (q_i . k_j) - slope_h |p_i - j|;  key j visible iff mask[j] and (!causal or j <= p_i)
//   out_i = sum_j softmax(s_i)_j v_j; a row that sees no key outputs zeros
//
// Forward, one task = up to BR query rows of one head: for each tile of BC keys, S = Q K^T (the
// K tile transposed into the workspace), bias and masks, then the online softmax (running max m
// and sum l per row; the accumulator is rescaled when m grows) and acc += P V. Workspace
// O(BR x BC + BR x hd + hd x BC) floats: nothing T x T.
//
// Backward, one task = one key/value head of one batch entry (dk and dv have one writer): for each
// of its query heads and each block of BR query rows, a first sweep over the key tiles recomputes
// the row statistics (logsumexp), a second recomputes P = exp(S - lse) and accumulates
//   dv += P^T dOut,  dS = P (dOut V^T - D_i), D_i = dOut_i . out_i,  dk += dS^T Q,  dq += dS K
// (dq and dk scaled at the end). K and V of the head are transposed once per task: O(Tk x hd).
//
// When there are fewer than SPLIT_BELOW (batch, key/value head) pairs (one batch entry with
// multi-query heads, say), the backward is split three ways instead, so that the threads have
// work to share: phase 0, by (batch, head, query block), stores each row's logsumexp and D_i;
// phase 1, by (batch, key/value head, block of BC keys), accumulates that block's dk and dv over
// the group's query rows; phase 2, by (batch, head, query block), accumulates dq over the keys.
// Which form runs depends on the shapes only, never on the thread count.
//
// Tasks come from an atomic counter in the parameter block, so threads share the work and every
// output element is computed by one thread in one order: results do not depend on the thread count.
//
// Params block (i32 slots, written by src/kernels/attention.ts):
//   0 B  1 H  2 G  3 Tq  4 Tk  5 hd  6 scale (f32 bits)  7 causal  8 slopes (f32[H] address or 0)
//   9 mask (byte address or 0)  10 q  11 k  12 v  13 out  14 dOut  15 y | dq  16 dk  17 dv
//   18 next task (atomic)  19 workspace base  20 workspace bytes per thread
//   21 backward phase (-1 unsplit, 0, 1, 2)  22 row statistics (f32 [2][B][H][Tq] address: lse, D)
import { expv } from './math';

export const ATTENTION_ROWS: i32 = 32;
/** The backward is split into phases below this many (batch, key/value head) pairs. */
export const SPLIT_BELOW: i32 = 4;
export const ATTENTION_KEYS: i32 = 64;
const BR = ATTENTION_ROWS;
const BC = ATTENTION_KEYS;

@inline function slot(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function addr(p: usize, i: i32): usize {
  return <usize>load<u32>(p + (<usize>i << 2));
}

@inline function f(x: usize, i: i32): usize {
  return x + (<usize>i << 2);
}

/** Workspace bytes one thread needs: forward (backward = false) or backward, for hd and Tk. */
export function attentionWorkspaceBytes(hd: i32, Tk: i32, backward: bool): i32 {
  if (!backward) return (hd * BC + BR * BC + BR * hd + BC + 2 * BR) * 4 + 64;
  const ldt = max((Tk + BC - 1) / BC * BC, BC);
  return (2 * hd * ldt + 2 * BR * BC + BR * hd + BC + 4 * BR) * 4 + 64;
}

/**
 * C[r, n] (+)= sum_k A(r, k) B[k, n] for R = 4 rows, n in [n, n + 8) steps of 8 then 4, then scalars.
 * A(r, k) = a[r * rsa + k * csa]; B row-major (ldb), C row-major (ldc).
 */
function rows4(N: i32, K: i32, a: usize, rsa: i32, csa: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: bool): void {
  const ra = <usize>rsa << 2, ka = <usize>csa << 2, kb = <usize>ldb << 2, rc = <usize>ldc << 2;
  let n = 0;
  for (; n + 8 <= N; n += 8) {
    const cn = c + (<usize>n << 2);
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    if (accumulate) {
      c00 = v128.load(cn); c01 = v128.load(cn, 16);
      c10 = v128.load(cn + rc); c11 = v128.load(cn + rc, 16);
      c20 = v128.load(cn + 2 * rc); c21 = v128.load(cn + 2 * rc, 16);
      c30 = v128.load(cn + 3 * rc); c31 = v128.load(cn + 3 * rc, 16);
    }
    let ap = a;
    let bp = b + (<usize>n << 2);
    for (let k = 0; k < K; k++) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      const a0 = v128.load32_splat(ap);
      c00 = f32x4.add(c00, f32x4.mul(a0, b0));
      c01 = f32x4.add(c01, f32x4.mul(a0, b1));
      const a1 = v128.load32_splat(ap + ra);
      c10 = f32x4.add(c10, f32x4.mul(a1, b0));
      c11 = f32x4.add(c11, f32x4.mul(a1, b1));
      const a2 = v128.load32_splat(ap + 2 * ra);
      c20 = f32x4.add(c20, f32x4.mul(a2, b0));
      c21 = f32x4.add(c21, f32x4.mul(a2, b1));
      const a3 = v128.load32_splat(ap + 3 * ra);
      c30 = f32x4.add(c30, f32x4.mul(a3, b0));
      c31 = f32x4.add(c31, f32x4.mul(a3, b1));
      ap += ka;
      bp += kb;
    }
    v128.store(cn, c00); v128.store(cn, c01, 16);
    v128.store(cn + rc, c10); v128.store(cn + rc, c11, 16);
    v128.store(cn + 2 * rc, c20); v128.store(cn + 2 * rc, c21, 16);
    v128.store(cn + 3 * rc, c30); v128.store(cn + 3 * rc, c31, 16);
  }
  for (; n + 4 <= N; n += 4) {
    const cn = c + (<usize>n << 2);
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    if (accumulate) {
      c0 = v128.load(cn); c1 = v128.load(cn + rc); c2 = v128.load(cn + 2 * rc); c3 = v128.load(cn + 3 * rc);
    }
    let ap = a;
    let bp = b + (<usize>n << 2);
    for (let k = 0; k < K; k++) {
      const b0 = v128.load(bp);
      c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(ap), b0));
      c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(ap + ra), b0));
      c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(ap + 2 * ra), b0));
      c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(ap + 3 * ra), b0));
      ap += ka;
      bp += kb;
    }
    v128.store(cn, c0); v128.store(cn + rc, c1); v128.store(cn + 2 * rc, c2); v128.store(cn + 3 * rc, c3);
  }
  for (; n < N; n++) {
    for (let r = 0; r < 4; r++) {
      const at = c + <usize>r * rc + (<usize>n << 2);
      let s: f32 = accumulate ? load<f32>(at) : 0;
      for (let k = 0; k < K; k++) s += load<f32>(a + <usize>r * ra + <usize>k * ka) * load<f32>(b + <usize>k * kb + (<usize>n << 2));
      store<f32>(at, s);
    }
  }
}

function rows1(N: i32, K: i32, a: usize, csa: i32, b: usize, ldb: i32, c: usize, accumulate: bool): void {
  const ka = <usize>csa << 2, kb = <usize>ldb << 2;
  let n = 0;
  for (; n + 8 <= N; n += 8) {
    const cn = c + (<usize>n << 2);
    let c0 = accumulate ? v128.load(cn) : f32x4.splat(0);
    let c1 = accumulate ? v128.load(cn, 16) : f32x4.splat(0);
    let ap = a;
    let bp = b + (<usize>n << 2);
    for (let k = 0; k < K; k++) {
      const a0 = v128.load32_splat(ap);
      c0 = f32x4.add(c0, f32x4.mul(a0, v128.load(bp)));
      c1 = f32x4.add(c1, f32x4.mul(a0, v128.load(bp, 16)));
      ap += ka;
      bp += kb;
    }
    v128.store(cn, c0);
    v128.store(cn, c1, 16);
  }
  for (; n + 4 <= N; n += 4) {
    const cn = c + (<usize>n << 2);
    let c0 = accumulate ? v128.load(cn) : f32x4.splat(0);
    let ap = a;
    let bp = b + (<usize>n << 2);
    for (let k = 0; k < K; k++) {
      c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(ap), v128.load(bp)));
      ap += ka;
      bp += kb;
    }
    v128.store(cn, c0);
  }
  for (; n < N; n++) {
    const at = c + (<usize>n << 2);
    let s: f32 = accumulate ? load<f32>(at) : 0;
    for (let k = 0; k < K; k++) s += load<f32>(a + <usize>k * ka) * load<f32>(b + <usize>k * kb + (<usize>n << 2));
    store<f32>(at, s);
  }
}

/** C[M, N] = (accumulate ? C : 0) + A[M, K] B[K, N]; A(m, k) = a[m * rsa + k * csa], B and C row-major. */
function tileGemm(M: i32, N: i32, K: i32, a: usize, rsa: i32, csa: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: bool): void {
  let m = 0;
  for (; m + 4 <= M; m += 4) rows4(N, K, a + (<usize>(m * rsa) << 2), rsa, csa, b, ldb, c + (<usize>(m * ldc) << 2), ldc, accumulate);
  for (; m < M; m++) rows1(N, K, a + (<usize>(m * rsa) << 2), csa, b, ldb, c + (<usize>(m * ldc) << 2), accumulate);
}

/** out[d * ld + j] = x[j * hd + d] for j < rows (a [rows, hd] block transposed). */
function transposeBlock(x: usize, rows: i32, hd: i32, out: usize, ld: i32): void {
  for (let j0 = 0; j0 < rows; j0 += 16) {
    const j1 = min(rows, j0 + 16);
    for (let d0 = 0; d0 < hd; d0 += 16) {
      const d1 = min(hd, d0 + 16);
      for (let j = j0; j < j1; j++) {
        for (let d = d0; d < d1; d++) store<f32>(f(out, d * ld + j), load<f32>(f(x, j * hd + d)));
      }
    }
  }
}

/** hidden[j] = -inf for keys [j0, j0 + BC) masked out or at/after `end`, else 0. */
function keyBias(mask: usize, j0: i32, end: i32, hidden: usize): void {
  for (let j = 0; j < BC; j++) {
    const key = j0 + j;
    const hide = key >= end || (mask != 0 && load<u8>(mask + <usize>key) == 0);
    store<f32>(f(hidden, j), hide ? -Infinity : 0);
  }
}

/**
 * One row of scores over a tile of BC keys from j0, in place: scale, ALiBi, masks (invisible =
 * -inf). Returns the row maximum (-inf when nothing is visible).
 */
function scoreRow(s: usize, j0: i32, hidden: usize, scale: f32, slope: f32, position: f32, causal: bool): f32 {
  const iota = f32x4(0, 1, 2, 3);
  const pv = f32x4.splat(position);
  const sv = f32x4.splat(scale);
  const lv = f32x4.splat(slope);
  const ninf = f32x4.splat(-Infinity);
  const zero = f32x4.splat(0);
  let mx = ninf;
  for (let j = 0; j < BC; j += 4) {
    const key = f32x4.add(f32x4.splat(<f32>(j0 + j)), iota);
    let x = f32x4.mul(v128.load(f(s, j)), sv);
    if (slope != 0) x = f32x4.sub(x, f32x4.mul(lv, f32x4.abs(f32x4.sub(pv, key))));
    let hide = f32x4.lt(v128.load(f(hidden, j)), zero);
    if (causal) hide = v128.or(hide, f32x4.gt(key, pv));
    x = v128.bitselect(ninf, x, hide);
    v128.store(f(s, j), x);
    mx = f32x4.max(mx, x);
  }
  return max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
}

/** s = exp(s - m) in place over a tile row (-inf scores give exactly 0); returns the sum. */
function expRow(s: usize, m: f32): f32 {
  const mv = f32x4.splat(m);
  const ninf = f32x4.splat(-Infinity);
  const zero = f32x4.splat(0);
  let total = zero;
  for (let j = 0; j < BC; j += 4) {
    const x = v128.load(f(s, j));
    const e = v128.bitselect(zero, expv(f32x4.sub(x, mv)), f32x4.eq(x, ninf));
    v128.store(f(s, j), e);
    total = f32x4.add(total, e);
  }
  return f32x4.extract_lane(total, 0) + f32x4.extract_lane(total, 1) + f32x4.extract_lane(total, 2) + f32x4.extract_lane(total, 3);
}

function scaleRow(x: usize, n: i32, factor: f32): void {
  const fv = f32x4.splat(factor);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f(x, i), f32x4.mul(v128.load(f(x, i)), fv));
  for (; i < n; i++) store<f32>(f(x, i), load<f32>(f(x, i)) * factor);
}

/**
 * For `rows` query rows against a tile of keys from j0: s holds raw Q K^T, ds holds raw dOut V^T;
 * turns s into P = exp(score - lse) (invisible keys 0) and ds into dS = P (dP - D), in place.
 * lse and D are per row (f32, consecutive); rows whose lse is -inf (no visible key) get zeros.
 */
function gradTile(s: usize, ds: usize, rows: i32, i0: i32, j0: i32, hidden: usize, lse: usize, D: usize,
  scale: f32, slope: f32, shift: i32, causal: bool): void {
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const sr = f(s, r * BC);
    const dsr = f(ds, r * BC);
    const lr = load<f32>(f(lse, r));
    if (lr == -Infinity) {
      memory.fill(sr, 0, <usize>BC << 2);
      memory.fill(dsr, 0, <usize>BC << 2);
      continue;
    }
    scoreRow(sr, j0, hidden, scale, slope, <f32>(i0 + r + shift), causal);
    expRow(sr, lr);
    const Dr = f32x4.splat(load<f32>(f(D, r)));
    for (let j = 0; j < BC; j += 4) {
      const pv = v128.load(f(sr, j));
      v128.store(f(dsr, j), v128.bitselect(zero, f32x4.mul(pv, f32x4.sub(v128.load(f(dsr, j)), Dr)), f32x4.eq(pv, zero)));
    }
  }
}

/** D_r = dOut_r . out_r for `rows` rows of hd. */
function rowDots(dout: usize, out: usize, rows: i32, hd: i32, D: usize): void {
  for (let r = 0; r < rows; r++) {
    let acc = f32x4.splat(0);
    let d = 0;
    for (; d + 4 <= hd; d += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(f(dout, r * hd + d)), v128.load(f(out, r * hd + d))));
    let total = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; d < hd; d++) total += load<f32>(f(dout, r * hd + d)) * load<f32>(f(out, r * hd + d));
    store<f32>(f(D, r), total);
  }
}

/**
 * Row statistics of rows [i0, i0 + rows) of head h against all visible keys: lse_r (m + log l, or
 * -inf for a row that sees nothing). kt: a BC-key tile of K transposed (ld ldk, from column j0 of a
 * fully transposed K when `pretransposed`, else transposed here per tile into kt).
 */
function rowStats(q: usize, k: usize, kt: usize, ldk: i32, pretransposed: bool, rows: i32, i0: i32, end: i32, hd: i32, mask: usize,
  s: usize, hidden: usize, m: usize, l: usize, lse: usize, scale: f32, slope: f32, shift: i32, causal: bool): void {
  for (let r = 0; r < rows; r++) {
    store<f32>(f(m, r), -Infinity);
    store<f32>(f(l, r), 0);
  }
  for (let j0 = 0; j0 < end; j0 += BC) {
    const cols = min(BC, end - j0);
    keyBias(mask, j0, end, hidden);
    if (pretransposed) tileGemm(rows, cols, hd, q, hd, 1, f(kt, j0), ldk, s, BC, false);
    else {
      transposeBlock(f(k, j0 * hd), cols, hd, kt, BC);
      tileGemm(rows, cols, hd, q, hd, 1, kt, BC, s, BC, false);
    }
    for (let r = 0; r < rows; r++) {
      const sr = f(s, r * BC);
      const mOld = load<f32>(f(m, r));
      const mNew = max(mOld, scoreRow(sr, j0, hidden, scale, slope, <f32>(i0 + r + shift), causal));
      if (mNew == -Infinity) continue;
      const correction: f32 = mOld == -Infinity ? 0 : Mathf.exp(mOld - mNew);
      store<f32>(f(l, r), load<f32>(f(l, r)) * correction + expRow(sr, mNew));
      store<f32>(f(m, r), mNew);
    }
  }
  for (let r = 0; r < rows; r++) {
    const mr = load<f32>(f(m, r));
    store<f32>(f(lse, r), mr == -Infinity ? -Infinity : mr + Mathf.log(load<f32>(f(l, r))));
  }
}

@inline function slopeOf(p: usize, h: i32): f32 {
  const slopes = addr(p, 8);
  return slopes == 0 ? 0 : load<f32>(f(slopes, h));
}

function forwardTask(p: usize, ws: usize, b: i32, h: i32, i0: i32, rows: i32): void {
  const H = slot(p, 1), G = slot(p, 2), Tq = slot(p, 3), Tk = slot(p, 4), hd = slot(p, 5);
  const scale = reinterpret<f32>(slot(p, 6));
  const causal = slot(p, 7) != 0;
  const shift = Tk - Tq;
  const g = h / (H / G);
  const q = f(addr(p, 10), ((b * H + h) * Tq + i0) * hd);
  const k = f(addr(p, 11), (b * G + g) * Tk * hd);
  const v = f(addr(p, 12), (b * G + g) * Tk * hd);
  const maskBase = addr(p, 9);
  const mask = maskBase == 0 ? 0 : maskBase + <usize>(b * Tk);
  const y = f(addr(p, 15), ((b * H + h) * Tq + i0) * hd);
  const slope = slopeOf(p, h);

  const kt = ws;
  const s = f(kt, hd * BC);
  const acc = f(s, BR * BC);
  const hidden = f(acc, BR * hd);
  const m = f(hidden, BC);
  const l = f(m, BR);
  memory.fill(acc, 0, <usize>(rows * hd) << 2);
  for (let r = 0; r < rows; r++) {
    store<f32>(f(m, r), -Infinity);
    store<f32>(f(l, r), 0);
  }
  const end = causal ? min(Tk, i0 + rows + shift) : Tk;
  for (let j0 = 0; j0 < end; j0 += BC) {
    const cols = min(BC, end - j0);
    transposeBlock(f(k, j0 * hd), cols, hd, kt, BC);
    keyBias(mask, j0, end, hidden);
    tileGemm(rows, cols, hd, q, hd, 1, kt, BC, s, BC, false);
    for (let r = 0; r < rows; r++) {
      const sr = f(s, r * BC);
      const mOld = load<f32>(f(m, r));
      const mNew = max(mOld, scoreRow(sr, j0, hidden, scale, slope, <f32>(i0 + r + shift), causal));
      if (mNew == -Infinity) {
        memory.fill(sr, 0, <usize>BC << 2);
        continue;
      }
      const correction: f32 = mOld == -Infinity ? 0 : Mathf.exp(mOld - mNew);
      const total = expRow(sr, mNew);
      if (correction != 1) scaleRow(f(acc, r * hd), hd, correction);
      store<f32>(f(l, r), load<f32>(f(l, r)) * correction + total);
      store<f32>(f(m, r), mNew);
    }
    tileGemm(rows, hd, cols, s, BC, 1, f(v, j0 * hd), hd, acc, hd, true);
  }
  for (let r = 0; r < rows; r++) {
    const lr = load<f32>(f(l, r));
    const inverse: f32 = lr > 0 ? <f32>1 / lr : 0;
    for (let d = 0; d < hd; d++) store<f32>(f(y, r * hd + d), load<f32>(f(acc, r * hd + d)) * inverse);
  }
}

/** Forward: tasks = (batch, head, block of BR query rows), from the shared counter. */
export function attentionForward(p: usize, thread: i32): void {
  const B = slot(p, 0), H = slot(p, 1), Tq = slot(p, 3);
  const ws = addr(p, 19) + <usize>thread * addr(p, 20);
  const blocks = (Tq + BR - 1) / BR;
  const total = B * H * blocks;
  while (true) {
    const t = atomic.add<i32>(p + 72, 1);
    if (t >= total) break;
    const block = t % blocks;
    const bh = t / blocks;
    const i0 = block * BR;
    forwardTask(p, ws, bh / H, bh % H, i0, min(BR, Tq - i0));
  }
}

function backwardTask(p: usize, ws: usize, b: i32, g: i32): void {
  const H = slot(p, 1), G = slot(p, 2), Tq = slot(p, 3), Tk = slot(p, 4), hd = slot(p, 5);
  const scale = reinterpret<f32>(slot(p, 6));
  const causal = slot(p, 7) != 0;
  const shift = Tk - Tq;
  const group = H / G;
  const ldt = (Tk + BC - 1) / BC * BC;
  const k = f(addr(p, 11), (b * G + g) * Tk * hd);
  const v = f(addr(p, 12), (b * G + g) * Tk * hd);
  const dk = f(addr(p, 16), (b * G + g) * Tk * hd);
  const dv = f(addr(p, 17), (b * G + g) * Tk * hd);
  const maskBase = addr(p, 9);
  const mask = maskBase == 0 ? 0 : maskBase + <usize>(b * Tk);

  const kt = ws;
  const vt = f(kt, hd * ldt);
  const s = f(vt, hd * ldt);
  const ds = f(s, BR * BC);
  const dq = f(ds, BR * BC);
  const hidden = f(dq, BR * hd);
  const lse = f(hidden, BC);
  const D = f(lse, BR);
  const m = f(D, BR);
  const l = f(m, BR);
  transposeBlock(k, Tk, hd, kt, ldt);
  transposeBlock(v, Tk, hd, vt, ldt);
  memory.fill(dk, 0, <usize>(Tk * hd) << 2);
  memory.fill(dv, 0, <usize>(Tk * hd) << 2);

  for (let h = g * group; h < (g + 1) * group; h++) {
    const slope = slopeOf(p, h);
    for (let i0 = 0; i0 < Tq; i0 += BR) {
      const rows = min(BR, Tq - i0);
      const offset = ((b * H + h) * Tq + i0) * hd;
      const q = f(addr(p, 10), offset);
      const out = f(addr(p, 13), offset);
      const dout = f(addr(p, 14), offset);
      const end = causal ? min(Tk, i0 + rows + shift) : Tk;
      rowDots(dout, out, rows, hd, D);
      // Sweep 1: the row statistics.
      rowStats(q, k, kt, ldt, true, rows, i0, end, hd, mask, s, hidden, m, l, lse, scale, slope, shift, causal);
      // Sweep 2: the gradients.
      memory.fill(dq, 0, <usize>(rows * hd) << 2);
      for (let j0 = 0; j0 < end; j0 += BC) {
        const cols = min(BC, end - j0);
        keyBias(mask, j0, end, hidden);
        tileGemm(rows, cols, hd, q, hd, 1, f(kt, j0), ldt, s, BC, false);
        tileGemm(rows, cols, hd, dout, hd, 1, f(vt, j0), ldt, ds, BC, false);
        gradTile(s, ds, rows, i0, j0, hidden, lse, D, scale, slope, shift, causal);
        tileGemm(cols, hd, rows, s, 1, BC, dout, hd, f(dv, j0 * hd), hd, true);
        tileGemm(cols, hd, rows, ds, 1, BC, q, hd, f(dk, j0 * hd), hd, true);
        tileGemm(rows, hd, cols, ds, BC, 1, f(k, j0 * hd), hd, dq, hd, true);
      }
      const dqOut = f(addr(p, 15), offset);
      for (let x = 0; x < rows * hd; x++) store<f32>(f(dqOut, x), load<f32>(f(dq, x)) * scale);
    }
  }
  scaleRow(dk, Tk * hd, scale);
}

/** Split backward, phase 0: lse and D of query rows [i0, i0 + rows) of head h into the statistics buffer. */
function statsTask(p: usize, ws: usize, b: i32, h: i32, i0: i32, rows: i32): void {
  const B = slot(p, 0), H = slot(p, 1), G = slot(p, 2), Tq = slot(p, 3), Tk = slot(p, 4), hd = slot(p, 5);
  const scale = reinterpret<f32>(slot(p, 6));
  const causal = slot(p, 7) != 0;
  const shift = Tk - Tq;
  const g = h / (H / G);
  const row = (b * H + h) * Tq + i0;
  const maskBase = addr(p, 9);
  const mask = maskBase == 0 ? 0 : maskBase + <usize>(b * Tk);
  const stats = addr(p, 22);
  const kt = ws;
  const s = f(kt, hd * BC);
  const hidden = f(s, BR * BC);
  const m = f(hidden, BC);
  const l = f(m, BR);
  const end = causal ? min(Tk, i0 + rows + shift) : Tk;
  rowDots(f(addr(p, 14), row * hd), f(addr(p, 13), row * hd), rows, hd, f(stats, B * H * Tq + row));
  rowStats(f(addr(p, 10), row * hd), f(addr(p, 11), (b * G + g) * Tk * hd), kt, BC, false, rows, i0, end, hd, mask, s, hidden, m, l,
    f(stats, row), scale, slopeOf(p, h), shift, causal);
}

/**
 * Split backward, phases 1 (dk, dv of keys [j0, j0 + BC) of key/value head g, over its query heads)
 * and 2 (dq of query rows [i0, i0 + BR) of head h, over the keys), from the row statistics.
 */
function splitTask(p: usize, ws: usize, phase: i32, b: i32, head: i32, block: i32): void {
  const B = slot(p, 0), H = slot(p, 1), G = slot(p, 2), Tq = slot(p, 3), Tk = slot(p, 4), hd = slot(p, 5);
  const scale = reinterpret<f32>(slot(p, 6));
  const causal = slot(p, 7) != 0;
  const shift = Tk - Tq;
  const group = H / G;
  const maskBase = addr(p, 9);
  const mask = maskBase == 0 ? 0 : maskBase + <usize>(b * Tk);
  const stats = addr(p, 22);
  const kt = ws;
  const vt = f(kt, hd * BC);
  const s = f(vt, hd * BC);
  const ds = f(s, BR * BC);
  const dq = f(ds, BR * BC);
  const hidden = f(dq, BR * hd);
  if (phase == 1) {
    const g = head;
    const j0 = block * BC;
    const cols = min(BC, Tk - j0);
    const k = f(addr(p, 11), ((b * G + g) * Tk + j0) * hd);
    const v = f(addr(p, 12), ((b * G + g) * Tk + j0) * hd);
    const dk = f(addr(p, 16), ((b * G + g) * Tk + j0) * hd);
    const dv = f(addr(p, 17), ((b * G + g) * Tk + j0) * hd);
    transposeBlock(k, cols, hd, kt, BC);
    transposeBlock(v, cols, hd, vt, BC);
    memory.fill(dk, 0, <usize>(cols * hd) << 2);
    memory.fill(dv, 0, <usize>(cols * hd) << 2);
    for (let h = g * group; h < (g + 1) * group; h++) {
      const slope = slopeOf(p, h);
      // Rows whose last visible key is before j0 see nothing of this block (causal).
      const first = causal ? max(0, j0 - shift) / BR * BR : 0;
      for (let i0 = first; i0 < Tq; i0 += BR) {
        const rows = min(BR, Tq - i0);
        const row = (b * H + h) * Tq + i0;
        const end = causal ? min(Tk, i0 + rows + shift) : Tk;
        if (end <= j0) continue;
        const q = f(addr(p, 10), row * hd);
        const dout = f(addr(p, 14), row * hd);
        keyBias(mask, j0, end, hidden);
        tileGemm(rows, cols, hd, q, hd, 1, kt, BC, s, BC, false);
        tileGemm(rows, cols, hd, dout, hd, 1, vt, BC, ds, BC, false);
        gradTile(s, ds, rows, i0, j0, hidden, f(stats, row), f(stats, B * H * Tq + row), scale, slope, shift, causal);
        tileGemm(cols, hd, rows, s, 1, BC, dout, hd, dv, hd, true);
        tileGemm(cols, hd, rows, ds, 1, BC, q, hd, dk, hd, true);
      }
    }
    scaleRow(dk, cols * hd, scale);
    return;
  }
  const h = head;
  const g = h / group;
  const i0 = block * BR;
  const rows = min(BR, Tq - i0);
  const row = (b * H + h) * Tq + i0;
  const q = f(addr(p, 10), row * hd);
  const dout = f(addr(p, 14), row * hd);
  const k = f(addr(p, 11), (b * G + g) * Tk * hd);
  const v = f(addr(p, 12), (b * G + g) * Tk * hd);
  const slope = slopeOf(p, h);
  const end = causal ? min(Tk, i0 + rows + shift) : Tk;
  memory.fill(dq, 0, <usize>(rows * hd) << 2);
  for (let j0 = 0; j0 < end; j0 += BC) {
    const cols = min(BC, end - j0);
    transposeBlock(f(k, j0 * hd), cols, hd, kt, BC);
    transposeBlock(f(v, j0 * hd), cols, hd, vt, BC);
    keyBias(mask, j0, end, hidden);
    tileGemm(rows, cols, hd, q, hd, 1, kt, BC, s, BC, false);
    tileGemm(rows, cols, hd, dout, hd, 1, vt, BC, ds, BC, false);
    gradTile(s, ds, rows, i0, j0, hidden, f(stats, row), f(stats, B * H * Tq + row), scale, slope, shift, causal);
    tileGemm(rows, hd, cols, ds, BC, 1, f(k, j0 * hd), hd, dq, hd, true);
  }
  const dqOut = f(addr(p, 15), row * hd);
  for (let x = 0; x < rows * hd; x++) store<f32>(f(dqOut, x), load<f32>(f(dq, x)) * scale);
}

/**
 * Backward, from the shared counter: unsplit (phase -1), tasks = (batch, key/value head); or one
 * phase of the split form (see the top of this file).
 */
export function attentionBackward(p: usize, thread: i32): void {
  const B = slot(p, 0), H = slot(p, 1), G = slot(p, 2), Tq = slot(p, 3), Tk = slot(p, 4);
  const phase = slot(p, 21);
  const ws = addr(p, 19) + <usize>thread * addr(p, 20);
  const qBlocks = (Tq + BR - 1) / BR;
  const kBlocks = (Tk + BC - 1) / BC;
  const total = phase < 0 ? B * G : phase == 1 ? B * G * kBlocks : B * H * qBlocks;
  while (true) {
    const t = atomic.add<i32>(p + 72, 1);
    if (t >= total) break;
    if (phase < 0) {
      backwardTask(p, ws, t / G, t % G);
    } else if (phase == 1) {
      const bg = t / kBlocks;
      splitTask(p, ws, 1, bg / G, bg % G, t % kBlocks);
    } else {
      const bh = t / qBlocks;
      const block = t % qBlocks;
      if (phase == 0) statsTask(p, ws, bh / H, bh % H, block * BR, min(BR, Tq - block * BR));
      else splitTask(p, ws, 2, bh / H, bh % H, block);
    }
  }
}
