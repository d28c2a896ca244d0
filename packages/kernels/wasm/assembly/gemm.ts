// SGEMM, C = A B, float32: A [M, K], B [K, N] read through any (row, column) strides, C [M, N]
// contiguous, optionally batched (one element offset per batch for A and B; C batches are
// contiguous). BLIS-style: for each KC-deep slice, pack B's columns into NR-wide panels and A's
// rows into MR-tall panels (zero-padded at the edges), then run the MR x NR register-blocked v128
// micro-kernel over the packed panels. Packing reads any strides, so transposed, sliced and
// stride-0 broadcast operands need no copy.
//
// Threads: the output is cut into tiles (batch x M-range x N-range, chosen by the caller); each
// thread takes tiles from a shared atomic counter and computes them with its own packing
// workspace, so the sum for one output element never splits across threads (results do not depend
// on the thread count).
//
// Params block (i32 slots, see src/gemm.ts, which writes it):
//   0 M  1 N  2 K  3 a (byte address)  4 rsA  5 csA  6 b  7 rsB  8 csB  9 c
//   10 batch  11 aOffsets (byte address of i32[batch] element offsets)  12 bOffsets
//   13 mTile  14 nTile  15 next tile (atomic counter)  16 workspace base  17 workspace bytes per thread

export const MR: i32 = 5;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 120;

/** Bytes of packing workspace one thread needs for tiles at most `nTile` columns wide. */
export function gemmWorkspaceBytes(nTile: i32): i32 {
  const nPanel = ((nTile + NR - 1) / NR) * NR;
  return (MC * KC + KC * nPanel + MR * NR) * 4 + 64;
}

@inline function param(p: usize, slot: i32): i32 {
  return load<i32>(p + (<usize>slot << 2));
}

/** Pack rows [i0, i0 + mc) x columns [k0, k0 + kc) of A into MR-row panels: panel[k * MR + i]. */
function packA(dst: usize, a: usize, rsA: i32, csA: i32, i0: i32, mc: i32, k0: i32, kc: i32): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const panel = dst + (<usize>(ir * kc) << 2);
    if (rows == MR && csA == 1) {
      const r0 = a + (<usize>((i0 + ir) * rsA + k0) << 2);
      const stride = <usize>rsA << 2;
      for (let k = 0; k < kc; k++) {
        const src = r0 + (<usize>k << 2);
        const out = panel + (<usize>(k * MR) << 2);
        for (let i = 0; i < MR; i++) store<f32>(out + (<usize>i << 2), load<f32>(src + <usize>i * stride));
      }
    } else if (rows == MR && rsA == 1) {
      // Column-major A (a transposed operand): MR consecutive floats per k.
      for (let k = 0; k < kc; k++) {
        const src = a + (<usize>(i0 + ir + (k0 + k) * csA) << 2);
        const out = panel + (<usize>(k * MR) << 2);
        for (let i = 0; i < MR; i++) store<f32>(out + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const out = panel + (<usize>(k * MR) << 2);
        for (let i = 0; i < MR; i++) {
          const v: f32 = i < rows ? load<f32>(a + (<usize>((i0 + ir + i) * rsA + (k0 + k) * csA) << 2)) : 0;
          store<f32>(out + (<usize>i << 2), v);
        }
      }
    }
  }
}

/** Pack rows [k0, k0 + kc) x columns [j0, j0 + nc) of B into NR-column panels: panel[k * NR + j]. */
function packB(dst: usize, b: usize, rsB: i32, csB: i32, k0: i32, kc: i32, j0: i32, nc: i32): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const panel = dst + (<usize>(jr * kc) << 2);
    if (cols == NR && csB == 1) {
      let src = b + (<usize>(k0 * rsB + j0 + jr) << 2);
      const stride = <usize>rsB << 2;
      for (let k = 0; k < kc; k++) {
        const out = panel + (<usize>(k * NR) << 2);
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        src += stride;
      }
    } else if (cols == NR && rsB == 1) {
      // Column-major B (a linear layer's weight used as B^T): gather across columns.
      const stride = <usize>csB << 2;
      for (let k = 0; k < kc; k++) {
        const src = b + (<usize>((k0 + k) + (j0 + jr) * csB) << 2);
        const out = panel + (<usize>(k * NR) << 2);
        for (let j = 0; j < NR; j++) store<f32>(out + (<usize>j << 2), load<f32>(src + <usize>j * stride));
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const out = panel + (<usize>(k * NR) << 2);
        for (let j = 0; j < NR; j++) {
          const v: f32 = j < cols ? load<f32>(b + (<usize>((k0 + k) * rsB + (j0 + jr + j) * csB) << 2)) : 0;
          store<f32>(out + (<usize>j << 2), v);
        }
      }
    }
  }
}

/**
 * The micro-kernel: an MR x NR (5 x 8) block of C (row stride ldc floats) from kc steps of packed
 * panels, 10 v128 accumulators. `add` adds to C (later K slices) instead of overwriting it.
 *
 * Register budget (V8 on x64 gives WebAssembly 15 xmm registers; there is no FMA in SIMD128, so
 * each product needs a temporary): 10 accumulators + 2 B vectors + 1 temporary leaves 2. TurboFan
 * issues a step's loads together, so A is read as one v128 (rows 0-3, broadcast by lane shuffles
 * that are scheduled next to their use) plus one load32_splat (row 4, used first so its register
 * frees early): 15 live registers, no spills. Per step: 4 loads, 4 shuffles, 10 mul + 10 add, vs
 * 6 loads for 8 mul + 8 add in a 4 x 8 kernel (a 6 x 8 one spills).
 */
@inline function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  const end = ap + <usize>kc * (MR << 2);
  while (ap < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const a = v128.load(ap);
    const a4 = v128.load32_splat(ap, 16);
    c40 = f32x4.add(c40, f32x4.mul(a4, b0));
    c41 = f32x4.add(c41, f32x4.mul(a4, b1));
    const a0 = i32x4.shuffle(a, a, 0, 0, 0, 0);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    const a1 = i32x4.shuffle(a, a, 1, 1, 1, 1);
    c10 = f32x4.add(c10, f32x4.mul(a1, b0));
    c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    const a2 = i32x4.shuffle(a, a, 2, 2, 2, 2);
    c20 = f32x4.add(c20, f32x4.mul(a2, b0));
    c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    const a3 = i32x4.shuffle(a, a, 3, 3, 3, 3);
    c30 = f32x4.add(c30, f32x4.mul(a3, b0));
    c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    ap += MR << 2;
    bp += NR << 2;
  }
  const row = <usize>ldc << 2;
  if (add) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + row));
    c11 = f32x4.add(c11, v128.load(c + row, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * row));
    c21 = f32x4.add(c21, v128.load(c + 2 * row, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * row));
    c31 = f32x4.add(c31, v128.load(c + 3 * row, 16));
    c40 = f32x4.add(c40, v128.load(c + 4 * row));
    c41 = f32x4.add(c41, v128.load(c + 4 * row, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + row, c10);
  v128.store(c + row, c11, 16);
  v128.store(c + 2 * row, c20);
  v128.store(c + 2 * row, c21, 16);
  v128.store(c + 3 * row, c30);
  v128.store(c + 3 * row, c31, 16);
  v128.store(c + 4 * row, c40);
  v128.store(c + 4 * row, c41, 16);
}

function microKernel(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, add: bool): void {
  micro(kc, ap, bp, c, ldc, add);
}

/** One tile: C[m0..m1, n0..n1] of one batch. */
function tile(
  a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32, c: usize, N: i32, K: i32,
  m0: i32, m1: i32, n0: i32, n1: i32, workspace: usize,
): void {
  const packedA = workspace;
  const edge = packedA + (<usize>(MC * KC) << 2);
  const packedB = edge + (<usize>(MR * NR) << 2);
  const nc = n1 - n0;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const add = pc > 0;
    packB(packedB, b, rsB, csB, pc, kc, n0, nc);
    for (let ic = m0; ic < m1; ic += MC) {
      const mc = min(MC, m1 - ic);
      packA(packedA, a, rsA, csA, ic, mc, pc, kc);
      for (let jr = 0; jr < nc; jr += NR) {
        const cols = min(NR, nc - jr);
        const bp = packedB + (<usize>(jr * kc) << 2);
        for (let ir = 0; ir < mc; ir += MR) {
          const rows = min(MR, mc - ir);
          const ap = packedA + (<usize>(ir * kc) << 2);
          const target = c + (<usize>((ic + ir) * N + n0 + jr) << 2);
          if (rows == MR && cols == NR) {
            microKernel(kc, ap, bp, target, N, add);
          } else {
            microKernel(kc, ap, bp, edge, NR, false);
            for (let i = 0; i < rows; i++) {
              for (let j = 0; j < cols; j++) {
                const at = target + (<usize>(i * N + j) << 2);
                const v = load<f32>(edge + (<usize>(i * NR + j) << 2));
                store<f32>(at, add ? load<f32>(at) + v : v);
              }
            }
          }
        }
      }
    }
  }
}

/** Run tiles from the shared counter until none are left; `thread` picks this thread's workspace. */
export function sgemm(p: usize, thread: i32): void {
  const M = param(p, 0), N = param(p, 1), K = param(p, 2);
  const a = <usize>param(p, 3), rsA = param(p, 4), csA = param(p, 5);
  const b = <usize>param(p, 6), rsB = param(p, 7), csB = param(p, 8);
  const c = <usize>param(p, 9);
  const batch = param(p, 10);
  const aOffsets = <usize>param(p, 11), bOffsets = <usize>param(p, 12);
  const mTile = param(p, 13), nTile = param(p, 14);
  const workspace = <usize>param(p, 16) + <usize>thread * <usize>param(p, 17);
  const tilesM = (M + mTile - 1) / mTile;
  const tilesN = (N + nTile - 1) / nTile;
  const perBatch = tilesM * tilesN;
  const total = batch * perBatch;
  const counter = p + 60;
  while (true) {
    const t = atomic.add<i32>(counter, 1);
    if (t >= total) break;
    const bi = t / perBatch;
    const r = t - bi * perBatch;
    const tm = r / tilesN;
    const tn = r - tm * tilesN;
    const m0 = tm * mTile, n0 = tn * nTile;
    tile(
      a + (<usize>load<i32>(aOffsets + (<usize>bi << 2)) << 2), rsA, csA,
      b + (<usize>load<i32>(bOffsets + (<usize>bi << 2)) << 2), rsB, csB,
      c + (<usize>bi * <usize>M * <usize>N << 2), N, K,
      m0, min(M, m0 + mTile), n0, min(N, n0 + nTile), workspace,
    );
  }
}
