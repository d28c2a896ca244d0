/**
 * GEMM for the reference CPU backend: plain TypeScript, one thread.
 *
 *   out[outOffset + m*N + n] = sum_k A[m, k] * B[k, n]        A: [M, K], B: [K, N], out: [M, N]
 *   A[m, k] = a[aOffset + m*aRowStride + k*aColStride]
 *   B[k, n] = b[bOffset + k*bRowStride + n*bColStride]
 *
 * Any non-negative strides work: row-major, transposed (column-major), broadcast (stride 0).
 * `out` is overwritten, rows contiguous, and must not overlap `a` or `b`. Sums are
 * accumulated in float64 (JS numbers) and rounded once when stored, so a Float32Array `out`
 * sees one rounding per element. K = 0 writes zeros.
 *
 * Blocking (GotoBLAS / BLIS loop nest, sizes for a 32 KiB L1 and 512 KiB L2):
 *
 *   for ic in M by MC                      TILE [MC, NC] holds these rows' float64 sums
 *     for jc in N by NC
 *       zero TILE
 *       for pc in K by KC
 *         pack B[pc:pc+KC, jc:jc+NC] -> PACKED_B: NR-column panels, each [KC][NR]  (512 KiB)
 *         pack A[ic:ic+MC, pc:pc+KC] -> PACKED_A: MR-row panels, each [KC][MR]     (128 KiB, L2)
 *         for jr in NC by NR               one B panel (8 KiB) stays in L1
 *           for ir in MC by MR             A panels stream from L2
 *             TILE[ir:ir+MR, jr:jr+NR] += micro-kernel(A panel ir, B panel jr)
 *       out[ic:ic+MC, jc:jc+NC] = TILE
 *
 * B is packed again for every MC rows and A for every NC columns: about 1/(2 MC) + 1/(2 NC)
 * copies per flop, which buys float64 sums across K blocks in a TILE of fixed size.
 *
 * The micro-kernel keeps an MR x NR = 4 x 4 block of sums in 16 local variables and, per k,
 * loads 4 values of A and 4 of B for 16 multiply-adds. V8 does not vectorise, so the limit
 * is scalar loads, their bounds checks and stack spills (V8 keeps some of the 16 sums on the
 * stack). 4 x 4 with int32 index arithmetic measured best, if only by 5-10%, against 2x4,
 * 4x2, 3x4, 4x3, 2x6, 6x2, 2x8, 8x2, 4x8, a k-unrolled 4 x 4 and KC/MC/NC of 128..512.
 * Panels are zero-padded to whole MR / NR tiles so the micro-kernel has no edge cases; the
 * padded sums are never copied out.
 *
 * The scratch buffers are module constants with fixed sizes (MC, NC multiples of MR, NR): V8
 * then treats them as constants in the optimised micro-kernel (base address and length
 * folded into the code). gemm is synchronous, so one set of buffers serves every call.
 *
 * Shapes with M < MR or N < NR (matrix-vector products, N = 1) skip packing, which would
 * cost as much as the arithmetic there (see `gemmThin`).
 */

/** Floating-point storage gemm reads and writes. */
export type FloatArray = Float32Array | Float64Array;

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 256;

const PACKED_A = new Float64Array(MC * KC);
const PACKED_B = new Float64Array(KC * NC);
const TILE = new Float64Array(MC * NC);

/**
 * Matrix product of two strided matrices into a contiguous row-major `out`.
 *
 * @example
 * ```ts
 * // [2, 3] x [3, 2], both row-major
 * const a = new Float32Array([1, 2, 3, 4, 5, 6]);
 * const b = new Float32Array([7, 8, 9, 10, 11, 12]);
 * const out = new Float32Array(4);
 * gemm(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, out, 0); // out = [58, 64, 139, 154]
 * // a transposed: read a as [3, 2] column-major
 * gemm(3, 3, 2, a, 0, 1, 3, a, 0, 3, 1, new Float32Array(9), 0);
 * ```
 */
export function gemm(
  M: number, N: number, K: number,
  a: FloatArray, aOffset: number, aRowStride: number, aColStride: number,
  b: FloatArray, bOffset: number, bRowStride: number, bColStride: number,
  out: FloatArray, outOffset: number,
): void {
  if (M <= 0 || N <= 0) return;
  if (M < MR) {
    gemmThin(M, N, K, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride, out, outOffset, N, 1);
    return;
  }
  if (N < NR) {
    gemmThin(N, M, K, b, bOffset, bColStride, bRowStride, a, aOffset, aColStride, aRowStride, out, outOffset, 1, N);
    return;
  }
  for (let ic = 0; ic < M; ic += MC) {
    const mc = Math.min(MC, M - ic);
    for (let jc = 0; jc < N; jc += NC) {
      const nc = Math.min(NC, N - jc);
      const tileStride = roundUp(nc, NR);
      TILE.fill(0, 0, roundUp(mc, MR) * tileStride);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = Math.min(KC, K - pc);
        packB(kc, nc, b, bOffset + pc * bRowStride + jc * bColStride, bRowStride, bColStride);
        packA(mc, kc, a, aOffset + ic * aRowStride + pc * aColStride, aRowStride, aColStride);
        for (let jr = 0; jr < nc; jr += NR) {
          for (let ir = 0; ir < mc; ir += MR) {
            kernel4x4(kc, ir * kc, jr * kc, ir * tileStride + jr, tileStride);
          }
        }
      }
      for (let i = 0; i < mc; i++) {
        const outRow = outOffset + (ic + i) * N + jc;
        const tileRow = i * tileStride;
        for (let j = 0; j < nc; j++) out[outRow + j] = TILE[tileRow + j]!;
      }
    }
  }
}

/** TILE[c..] += (A panel at aStart) x (B panel at bStart), a 4 x 4 block over kc steps. */
function kernel4x4(kc: number, aStart: number, bStart: number, cStart: number, cStride: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  // Indices as int32 (`| 0`): V8 then drops the overflow check on every index sum.
  let ai = aStart | 0;
  let bi = bStart | 0;
  for (let k = 0; k < kc; k++) {
    const a0 = PACKED_A[ai]!, a1 = PACKED_A[(ai + 1) | 0]!, a2 = PACKED_A[(ai + 2) | 0]!, a3 = PACKED_A[(ai + 3) | 0]!;
    const b0 = PACKED_B[bi]!, b1 = PACKED_B[(bi + 1) | 0]!, b2 = PACKED_B[(bi + 2) | 0]!, b3 = PACKED_B[(bi + 3) | 0]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai = (ai + MR) | 0;
    bi = (bi + NR) | 0;
  }
  let c = cStart;
  TILE[c] = TILE[c]! + c00; TILE[c + 1] = TILE[c + 1]! + c01; TILE[c + 2] = TILE[c + 2]! + c02; TILE[c + 3] = TILE[c + 3]! + c03;
  c += cStride;
  TILE[c] = TILE[c]! + c10; TILE[c + 1] = TILE[c + 1]! + c11; TILE[c + 2] = TILE[c + 2]! + c12; TILE[c + 3] = TILE[c + 3]! + c13;
  c += cStride;
  TILE[c] = TILE[c]! + c20; TILE[c + 1] = TILE[c + 1]! + c21; TILE[c + 2] = TILE[c + 2]! + c22; TILE[c + 3] = TILE[c + 3]! + c23;
  c += cStride;
  TILE[c] = TILE[c]! + c30; TILE[c + 1] = TILE[c + 1]! + c31; TILE[c + 2] = TILE[c + 2]! + c32; TILE[c + 3] = TILE[c + 3]! + c33;
}

/** PACKED_A <- A block [mc, kc] at `start`, as MR-row panels [kc][MR], zero-padded rows. */
function packA(mc: number, kc: number, a: FloatArray, start: number, rowStride: number, colStride: number): void {
  let p = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    const panel = start + ir * rowStride;
    if (rows === MR) {
      for (let k = 0, src = panel; k < kc; k++, src += colStride, p += MR) {
        PACKED_A[p] = a[src]!;
        PACKED_A[p + 1] = a[src + rowStride]!;
        PACKED_A[p + 2] = a[src + 2 * rowStride]!;
        PACKED_A[p + 3] = a[src + 3 * rowStride]!;
      }
    } else {
      for (let k = 0, src = panel; k < kc; k++, src += colStride, p += MR) {
        for (let i = 0; i < MR; i++) PACKED_A[p + i] = i < rows ? a[src + i * rowStride]! : 0;
      }
    }
  }
}

/** PACKED_B <- B block [kc, nc] at `start`, as NR-column panels [kc][NR], zero-padded columns. */
function packB(kc: number, nc: number, b: FloatArray, start: number, rowStride: number, colStride: number): void {
  let p = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    const panel = start + jr * colStride;
    if (cols === NR) {
      for (let k = 0, src = panel; k < kc; k++, src += rowStride, p += NR) {
        PACKED_B[p] = b[src]!;
        PACKED_B[p + 1] = b[src + colStride]!;
        PACKED_B[p + 2] = b[src + 2 * colStride]!;
        PACKED_B[p + 3] = b[src + 3 * colStride]!;
      }
    } else {
      for (let k = 0, src = panel; k < kc; k++, src += rowStride, p += NR) {
        for (let j = 0; j < NR; j++) PACKED_B[p + j] = j < cols ? b[src + j * colStride]! : 0;
      }
    }
  }
}

/**
 * Thin shapes without packing: out[m*outRowStride + n*outColStride] = sum_k A[m,k] B[k,n].
 * Called with A and B swapped (C^T = B^T A^T) when N is the thin side. B read along its rows
 * (bColStride < bRowStride, e.g. row-major) goes by rows of B (`gemmThinByRows`); otherwise
 * 1 x 4 blocks along n (one load of A feeds four sums) walk B down its columns, then single
 * dot products for the last N % 4 columns.
 */
function gemmThin(
  M: number, N: number, K: number,
  a: FloatArray, aOffset: number, aRowStride: number, aColStride: number,
  b: FloatArray, bOffset: number, bRowStride: number, bColStride: number,
  out: FloatArray, outOffset: number, outRowStride: number, outColStride: number,
): void {
  if (bColStride < bRowStride) {
    gemmThinByRows(M, N, K, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride, out, outOffset, outRowStride, outColStride);
    return;
  }
  const nBlocked = N - (N % 4);
  for (let m = 0; m < M; m++) {
    const aRow = aOffset + m * aRowStride;
    const outRow = outOffset + m * outRowStride;
    for (let n = 0; n < nBlocked; n += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let ai = aRow;
      let bi = bOffset + n * bColStride;
      for (let k = 0; k < K; k++) {
        const av = a[ai]!;
        s0 += av * b[bi]!;
        s1 += av * b[bi + bColStride]!;
        s2 += av * b[bi + 2 * bColStride]!;
        s3 += av * b[bi + 3 * bColStride]!;
        ai += aColStride;
        bi += bRowStride;
      }
      const o = outRow + n * outColStride;
      out[o] = s0;
      out[o + outColStride] = s1;
      out[o + 2 * outColStride] = s2;
      out[o + 3 * outColStride] = s3;
    }
    for (let n = nBlocked; n < N; n++) {
      let s = 0;
      let ai = aRow;
      let bi = bOffset + n * bColStride;
      for (let k = 0; k < K; k++) {
        s += a[ai]! * b[bi]!;
        ai += aColStride;
        bi += bRowStride;
      }
      out[outRow + n * outColStride] = s;
    }
  }
}

/**
 * out row m = sum_k A[m,k] * (row k of B): each B row is read along its storage (walking down
 * B's columns would touch a new page per k). Float64 sums live in TILE, N in chunks of its
 * length; four rows of B per pass over the chunk.
 */
function gemmThinByRows(
  M: number, N: number, K: number,
  a: FloatArray, aOffset: number, aRowStride: number, aColStride: number,
  b: FloatArray, bOffset: number, bRowStride: number, bColStride: number,
  out: FloatArray, outOffset: number, outRowStride: number, outColStride: number,
): void {
  for (let m = 0; m < M; m++) {
    const aRow = aOffset + m * aRowStride;
    for (let n0 = 0; n0 < N; n0 += TILE.length) {
      const nc = Math.min(TILE.length, N - n0);
      TILE.fill(0, 0, nc);
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        const ai = aRow + k * aColStride;
        const a0 = a[ai]!, a1 = a[ai + aColStride]!, a2 = a[ai + 2 * aColStride]!, a3 = a[ai + 3 * aColStride]!;
        const b0 = bOffset + k * bRowStride + n0 * bColStride;
        const b1 = b0 + bRowStride, b2 = b1 + bRowStride, b3 = b2 + bRowStride;
        for (let j = 0, o = 0; j < nc; j++, o += bColStride) {
          TILE[j] = TILE[j]! + (a0 * b[b0 + o]! + a1 * b[b1 + o]! + a2 * b[b2 + o]! + a3 * b[b3 + o]!);
        }
      }
      for (; k < K; k++) {
        const ak = a[aRow + k * aColStride]!;
        const bk = bOffset + k * bRowStride + n0 * bColStride;
        for (let j = 0, o = 0; j < nc; j++, o += bColStride) TILE[j] = TILE[j]! + ak * b[bk + o]!;
      }
      const outRow = outOffset + m * outRowStride + n0 * outColStride;
      for (let j = 0; j < nc; j++) out[outRow + j * outColStride] = TILE[j]!;
    }
  }
}

function roundUp(x: number, multiple: number): number {
  return Math.ceil(x / multiple) * multiple;
}
