// Fused optimizer steps on float32 (the trainer's LionStep and AdamStep), elementwise over
// contiguous tensors of one shape, the same rounded operations in the same order as the
// definitions' decompositions (so bit-identical to them; WebAssembly has no FMA contraction):
//   Lion  p' = (p·decay | p) − sign(m + (g − m)·c1)·lr,  m' = m + (g − m)·c2          c1 = 1 − β1, c2 = 1 − β2
//   Adam  m' = m + (g − m)·c1,  v' = v·β2 + (g·g)·c2,  p' = (p·decay | p) − (m' / (√v' / k2 + eps))·step
// sign is Math.sign: 1, −1, or x itself (0, −0, NaN).
// Work is cut into chunks of `chunk` elements taken from an atomic counter (threads share them).
//
// Params block (i32 slots; scalars as f32 bits), written by src/kernels/optim.ts:
//   0 kind (0 Lion, 1 Adam)  1 n  2 p  3 g  4 m  5 v  6 p'  7 m'  8 v'  9 lr | step  10 c1  11 β2  12 c2
//   13 eps  14 k2  15 decay  16 has decay  17 next chunk (atomic)  18 chunk

@inline function slot(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function scalar(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

@inline function signv(u: v128): v128 {
  const zero = f32x4.splat(0);
  const neg = v128.bitselect(f32x4.splat(-1), u, f32x4.lt(u, zero));
  return v128.bitselect(f32x4.splat(1), neg, f32x4.gt(u, zero));
}

@inline function signs(u: f32): f32 {
  return u > 0 ? 1 : u < 0 ? -1 : u;
}

function lion(p: usize, i0: i32, i1: i32): void {
  const P = <usize>slot(p, 2), G = <usize>slot(p, 3), M = <usize>slot(p, 4), PO = <usize>slot(p, 6), MO = <usize>slot(p, 7);
  const lr = scalar(p, 9), c1 = scalar(p, 10), c2 = scalar(p, 12), decay = scalar(p, 15);
  const decays = slot(p, 16) != 0;
  const lrv = f32x4.splat(lr), c1v = f32x4.splat(c1), c2v = f32x4.splat(c2), dv = f32x4.splat(decay);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const mi = v128.load(M + o), gi = v128.load(G + o);
    let pi = v128.load(P + o);
    if (decays) pi = f32x4.mul(pi, dv);
    const diff = f32x4.sub(gi, mi);
    const update = signv(f32x4.add(mi, f32x4.mul(diff, c1v)));
    v128.store(PO + o, f32x4.sub(pi, f32x4.mul(update, lrv)));
    v128.store(MO + o, f32x4.add(mi, f32x4.mul(diff, c2v)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const mi = load<f32>(M + o), gi = load<f32>(G + o);
    const pi = decays ? load<f32>(P + o) * decay : load<f32>(P + o);
    store<f32>(PO + o, pi - signs(mi + (gi - mi) * c1) * lr);
    store<f32>(MO + o, mi + (gi - mi) * c2);
  }
}

function adam(p: usize, i0: i32, i1: i32): void {
  const P = <usize>slot(p, 2), G = <usize>slot(p, 3), M = <usize>slot(p, 4), V = <usize>slot(p, 5);
  const PO = <usize>slot(p, 6), MO = <usize>slot(p, 7), VO = <usize>slot(p, 8);
  const step = scalar(p, 9), c1 = scalar(p, 10), beta2 = scalar(p, 11), c2 = scalar(p, 12), eps = scalar(p, 13), k2 = scalar(p, 14);
  const decay = scalar(p, 15);
  const decays = slot(p, 16) != 0;
  const stepv = f32x4.splat(step), c1v = f32x4.splat(c1), b2v = f32x4.splat(beta2), c2v = f32x4.splat(c2);
  const epsv = f32x4.splat(eps), k2v = f32x4.splat(k2), dv = f32x4.splat(decay);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(G + o), mi = v128.load(M + o), vi = v128.load(V + o);
    let pi = v128.load(P + o);
    if (decays) pi = f32x4.mul(pi, dv);
    const m1 = f32x4.add(mi, f32x4.mul(f32x4.sub(gi, mi), c1v));
    const v1 = f32x4.add(f32x4.mul(vi, b2v), f32x4.mul(f32x4.mul(gi, gi), c2v));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(v1), k2v), epsv);
    v128.store(PO + o, f32x4.sub(pi, f32x4.mul(f32x4.div(m1, denom), stepv)));
    v128.store(MO + o, m1);
    v128.store(VO + o, v1);
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(G + o), mi = load<f32>(M + o), vi = load<f32>(V + o);
    const pi = decays ? load<f32>(P + o) * decay : load<f32>(P + o);
    const m1 = mi + (gi - mi) * c1;
    const v1 = vi * beta2 + (gi * gi) * c2;
    const denom = Mathf.sqrt(v1) / k2 + eps;
    store<f32>(PO + o, pi - (m1 / denom) * step);
    store<f32>(MO + o, m1);
    store<f32>(VO + o, v1);
  }
}

/** Run chunks from the shared counter until none are left. */
export function optimizerStep(p: usize, thread: i32): void {
  const kind = slot(p, 0), n = slot(p, 1), chunk = slot(p, 18);
  const total = (n + chunk - 1) / chunk;
  while (true) {
    const t = atomic.add<i32>(p + 68, 1);
    if (t >= total) break;
    const i0 = t * chunk;
    const i1 = min(n, i0 + chunk);
    if (kind == 0) lion(p, i0, i1);
    else adam(p, i0, i1);
  }
}
