/**
 * Matmul a [...batch, M, K] @ b [...batch, K, N] -> y [...batch, M, N]. float32 runs the WASM
 * SGEMM (assembly/gemm.ts): operands are read through their strides (transposed, sliced and
 * stride-0 broadcast batch views need no copy). The output is cut into tiles (batch x M-range x
 * N-range); threads take tiles from a shared counter, each with its own packing workspace. Other
 * dtypes run the reference gemm.
 *
 * Tiling: at most NC = 2048 columns per tile (the packed B slice, KC x NC floats, stays in the
 * last-level cache); with T > 1 threads, at least 2T tiles when the output is big enough.
 */
import { kernels as K, type TensorInfo } from '@tessera/tensor';
import type { WasmBackend } from '../backend.js';
import { runReference } from './reference.js';
import { wasmKernel, type WasmKernel } from './registration.js';

const MR = 5;
const NR = 8;
const NC = 2048;
/** Rows of A packed at a time (assembly/gemm.ts MC). */
const MC = 120;
/** Below this many flops a product runs on the calling thread (waking workers costs more). */
const THREADED_FLOPS = 2 * 96 ** 3;
const PARAM_SLOTS = 18;

/** Element offsets of each batch index of a strided view's leading dims, row-major. */
function batchOffsets(shape: readonly number[], strides: readonly number[], offset: number, out: Int32Array, at: number): void {
  const count = shape.reduce((a, b) => a * b, 1);
  const index = new Array<number>(shape.length).fill(0);
  let base = offset;
  for (let i = 0; i < count; i++) {
    out[at + i] = base;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]!++;
      base += strides[d]!;
      if (index[d]! < shape[d]!) break;
      base -= strides[d]! * shape[d]!;
      index[d] = 0;
    }
  }
}

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/**
 * Tile sizes [mTile, nTile] and the threads to use. With T > 1 threads the output is cut into at
 * least 2T tiles when it is big enough (columns first, into T ranges; then rows), so a thread
 * that the OS deschedules for a while holds back at most one small tile: the others take the rest.
 */
export function chooseTiles(batch: number, M: number, N: number, K: number, threads: number): [number, number, number] {
  const flops = 2 * batch * M * N * K;
  const useThreads = flops < THREADED_FLOPS ? 1 : threads;
  let mTile = M;
  let nTile = Math.min(N, NC);
  if (useThreads > 1) {
    const tiles = (): number => batch * Math.ceil(M / mTile) * Math.ceil(N / nTile);
    const wanted = 2 * useThreads;
    if (tiles() < wanted && N >= useThreads * 4 * NR) nTile = Math.min(NC, roundUp(Math.ceil(N / useThreads), NR));
    if (tiles() < wanted && M >= 2 * MC) mTile = roundUp(Math.ceil(M / Math.ceil(wanted / tiles())), MR);
    else if (tiles() < useThreads) mTile = roundUp(Math.ceil(M / useThreads), MR);
  }
  return [Math.max(mTile, 1), Math.max(nTile, 1), useThreads];
}

function sgemm(backend: WasmBackend, a: TensorInfo, b: TensorInfo, y: TensorInfo): void {
  const rank = a.shape.length;
  const M = a.shape[rank - 2]!;
  const Kd = a.shape[rank - 1]!;
  const N = b.shape[rank - 1]!;
  const batchShape = a.shape.slice(0, -2);
  const batch = batchShape.reduce((x, z) => x * z, 1);
  if (batch === 0 || M === 0 || N === 0 || Kd === 0) return; // outputs are zero-filled
  backend.claim(y.handle); // every element is written
  const [mTile, nTile, threads] = chooseTiles(batch, M, N, Kd, backend.threads);
  const workspacePerThread = roundUp(backend.exports.gemmWorkspaceBytes(nTile), 64);
  const headerBytes = roundUp(4 * (PARAM_SLOTS + 2 * batch), 64);
  const base = backend.scratch(headerBytes + threads * workspacePerThread);
  const i32 = backend.heap.views.i32;
  const p = base >> 2;
  const aOffsets = base + 4 * PARAM_SLOTS;
  const bOffsets = aOffsets + 4 * batch;
  batchOffsets(batchShape, a.strides.slice(0, -2), a.offset, i32, aOffsets >> 2);
  batchOffsets(batchShape, b.strides.slice(0, -2), b.offset, i32, bOffsets >> 2);
  i32.set([
    M, N, Kd, backend.address(a.handle), a.strides[rank - 2]!, a.strides[rank - 1]!,
    backend.address(b.handle), b.strides[rank - 2]!, b.strides[rank - 1]!, backend.address(y.handle),
    batch, aOffsets, bOffsets, mTile, nTile, 0, base + headerBytes, workspacePerThread,
  ], p);
  backend.runSgemm(base, threads);
}

export const matmulKernels: WasmKernel[] = [
  wasmKernel(K.Matmul, (context) => {
    const { backend, inputs: [a, b], outputs: [y] } = context;
    if (a!.dtype === 'float32' && b!.dtype === 'float32' && y!.dtype === 'float32') sgemm(backend, a!, b!, y!);
    else runReference(K.Matmul, context);
  }),
];
