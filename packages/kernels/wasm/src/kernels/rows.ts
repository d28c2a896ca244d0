/**
 * Threaded row and flat kernels (assembly/rows.ts): softmax/logSoftmax, layerNorm and
 * crossEntropy over rows, their backward kernels, and contiguous unary/binary maps, cut into chunks whose size depends on
 * the problem only (never on the thread count) and taken by the threads from an atomic counter.
 * Every row or element is computed by one thread with the single-threaded kernel, and
 * crossEntropy's per-chunk partial sums (and layerNormBackward's per-chunk dweight/dbias) are
 * added here in chunk order, so results are bit-identical for every thread count.
 */
import type { WasmBackend } from '../backend.js';

export const ROWS = {
  softmax: 0, logSoftmax: 1, layerNorm: 2, crossEntropy: 3, unary: 4, binary: 5, geluBackward: 6, layerNormBackward: 7, crossEntropyBackward: 8,
} as const;

const PARAM_SLOTS = 16;
/** Elements per chunk (rows are grouped to about this many). */
const CHUNK_ELEMENTS = 1 << 14;
/** Below this many elements a call runs on the calling thread (waking the workers costs more). */
export const THREADED_ELEMENTS = 1 << 16;

export interface RowsJob {
  kind: number;
  /** Rows, or elements for the flat maps. */
  rows: number;
  /** Row length (1 for the flat maps). */
  n: number;
  x: number;
  y?: number;
  w?: number;
  b?: number;
  eps?: number;
  targets?: number;
  ignoreIndex?: number;
  op?: number;
  /** Backward kernels: the upstream gradient (geluBackward, layerNormBackward). */
  dy?: number;
  /** layerNormBackward: dweight and (0: none) dbias outputs, filled from the chunk partials. */
  dw?: number;
  db?: number;
  /** crossEntropyBackward: dy / count. */
  scale?: number;
  /** geluBackward: the tanh form. */
  tanh?: boolean;
}

/** Rows per chunk for rows of n elements. */
export const chunkRows = (n: number): number => Math.max(1, Math.ceil(CHUNK_ELEMENTS / Math.max(n, 1)));

/**
 * Run a rows job; threads are used when the problem has at least THREADED_ELEMENTS elements.
 * For crossEntropy returns [sum of losses, count, first bad row or -1].
 */
export function runRows(backend: WasmBackend, job: RowsJob): [number, number, number] {
  const flat = job.kind === ROWS.unary || job.kind === ROWS.binary || job.kind === ROWS.geluBackward;
  const chunk = flat && job.n === 1 ? CHUNK_ELEMENTS : chunkRows(job.n);
  const chunks = Math.ceil(job.rows / chunk);
  const partialsAt = 64;
  const lnOutputs = job.kind === ROWS.layerNormBackward ? (job.db ? 2 : 1) : 0;
  const partialBytes = job.kind === ROWS.crossEntropy ? 16 * chunks : 4 * lnOutputs * job.n * chunks;
  const badAt = partialsAt + partialBytes;
  const base = backend.scratch(badAt + (job.kind === ROWS.crossEntropy ? 4 * chunks : 0));
  const { i32, f32 } = backend.heap.views;
  const at = base >> 2;
  i32.fill(0, at, at + PARAM_SLOTS);
  i32[at] = job.kind;
  i32[at + 1] = job.rows;
  i32[at + 2] = chunk;
  i32[at + 4] = job.x;
  i32[at + 5] = job.y ?? 0;
  i32[at + 6] = job.n;
  i32[at + 7] = job.kind === ROWS.geluBackward ? job.dy! : job.w ?? 0;
  i32[at + 8] = job.kind === ROWS.layerNormBackward ? job.dy! : job.b ?? 0;
  f32[at + 9] = job.kind === ROWS.crossEntropyBackward ? job.scale! : job.eps ?? 0;
  i32[at + 10] = base + partialsAt;
  i32[at + 11] = job.targets ?? 0;
  i32[at + 12] = job.ignoreIndex ?? 0;
  i32[at + 13] = job.kind === ROWS.geluBackward ? (job.tanh ? 1 : 0) : job.kind === ROWS.layerNormBackward ? (job.db ? 1 : 0) : job.op ?? 0;
  if (lnOutputs) f32.fill(0, (base + partialsAt) >> 2, (base + partialsAt + partialBytes) >> 2);
  i32[at + 14] = base + badAt;
  const threads = job.rows * job.n >= THREADED_ELEMENTS && chunks > 1 ? backend.threads : 1;
  backend.runJob('rowsJob', base, threads);
  if (lnOutputs) {
    // dweight (then dbias) = the chunk partials added in chunk order, in float64.
    const v = backend.heap.views.f32;
    const n = job.n;
    for (let o = 0; o < lnOutputs; o++) {
      const out = ((o === 0 ? job.dw! : job.db!) >> 2);
      for (let j = 0; j < n; j++) {
        let total = 0;
        for (let t = 0; t < chunks; t++) total += v[((base + partialsAt) >> 2) + (t * lnOutputs + o) * n + j]!;
        v[out + j] = total;
      }
    }
  }
  if (job.kind !== ROWS.crossEntropy) return [0, 0, -1];
  const views = backend.heap.views;
  let total = 0, count = 0;
  for (let t = 0; t < chunks; t++) {
    const bad = views.i32[(base + badAt >> 2) + t]!;
    if (bad >= 0) return [0, 0, bad];
    total += views.f64[(base + partialsAt >> 3) + 2 * t]!;
    count += views.f64[(base + partialsAt >> 3) + 2 * t + 1]!;
  }
  return [total, count, -1];
}
