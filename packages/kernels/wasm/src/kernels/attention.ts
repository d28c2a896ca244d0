/**
 * Fused attention (assembly/attention.ts) for `@tessera/model`'s `Attention` and
 * `AttentionBackward` definitions, registered by name (kernel packages do not import the model;
 * test/attention.test.ts checks that the attributes below match the model's):
 *
 *   q [B, H, Tq, hd], k, v [B, G, Tk, hd], keyMask? bool [B, Tk] (true = attend)
 *   query head h reads key/value head g = floor(h / (H / G)); query row i sits at p_i = i + Tk - Tq
 *   s[i, j] = scale (q_i . k_j) - slope_h |p_i - j|;  key j visible iff keyMask[j] and (!causal or j <= p_i)
 *   out_i = sum_j softmax(s_i)_j v_j  (a row that sees no key: zeros)
 *   backward: inputs q, k, v, out, dOut (, keyMask) -> dq, dk, dv, probabilities recomputed per tile
 *
 * float32: FlashAttention-style tiles with an online softmax in WASM SIMD, no T x T buffer,
 * split over the worker threads by (batch, head, block of query rows) forward and (batch,
 * key/value head) backward; with fewer than four (batch, key/value head) pairs the backward runs
 * in three phases (row statistics by query block, dk/dv by key block, dq by query block) so the
 * threads still share it. The form depends on the shapes only: results are the same for every
 * thread count. float64: a row-by-row loop with an online softmax in JavaScript on
 * views of linear memory (the reference backend's algorithm). Half precision reaches the kernel as
 * float32 (the engine casts).
 */
import { kernelRef, type TensorInfo } from '@tessera/tensor';
import type { WasmBackend } from '../backend.js';
import { wasmKernel, type WasmKernel } from './registration.js';
import { elementAddress } from './strided.js';

/** The attributes of the model's `Attention` / `AttentionBackward` (`AttentionAttrs` there). */
export interface AttentionAttrs {
  readonly softmaxScale: number;
  readonly slopes: readonly number[] | null;
  readonly causal: boolean;
}

/** `@tessera/model`'s attention definitions, by name. */
export const Attention = kernelRef<AttentionAttrs>('Attention');
export const AttentionBackward = kernelRef<AttentionAttrs>('AttentionBackward');

const PARAM_SLOTS = 23;
/** assembly/attention.ts: query rows per task, keys per tile, and the split-backward threshold. */
const ROWS = 32;
const KEYS = 64;
const SPLIT_BELOW = 4;
/** Below this many multiply-adds a call runs on the calling thread (waking the workers costs more). */
const SERIAL_WORK = 2e5;

interface Geometry {
  B: number; H: number; G: number; Tq: number; Tk: number; hd: number;
}

function geometry(q: TensorInfo, k: TensorInfo): Geometry {
  const [B, H, Tq, hd] = q.shape as [number, number, number, number];
  const [, G, Tk] = k.shape as [number, number, number, number];
  return { B, H, G, Tq, Tk, hd };
}

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/** Whether the backward runs in three phases (few (batch, key/value head) pairs). */
const splitBackward = (g: Geometry): boolean => g.B * g.G < SPLIT_BELOW;

/**
 * Write the parameter block (and slopes, workspaces, row statistics of a split backward) into
 * scratch; returns its address and the threads to use.
 */
function prepare(backend: WasmBackend, g: Geometry, attrs: AttentionAttrs, backward: boolean, work: number,
  tensors: { q: TensorInfo; k: TensorInfo; v: TensorInfo; mask: TensorInfo | undefined; out?: TensorInfo; dOut?: TensorInfo;
    y: TensorInfo; dk?: TensorInfo; dv?: TensorInfo }): [number, number] {
  const split = backward && splitBackward(g);
  const tasks = !backward || split ? g.B * g.H * Math.ceil(g.Tq / ROWS) + (split ? g.B * g.G * Math.ceil(g.Tk / KEYS) : 0) : g.B * g.G;
  const threads = work < SERIAL_WORK || tasks < 2 ? 1 : Math.min(backend.threads, tasks);
  const wsBytes = roundUp(backend.exports.attentionWorkspaceBytes(g.hd, split ? KEYS : g.Tk, backward ? 1 : 0), 64);
  const slopesAt = roundUp(4 * PARAM_SLOTS, 64);
  const wsAt = slopesAt + roundUp(4 * g.H, 64);
  const statsAt = wsAt + threads * wsBytes;
  const base = backend.scratch(statsAt + (split ? 8 * g.B * g.H * g.Tq : 0));
  const { i32, f32 } = backend.heap.views;
  if (attrs.slopes) f32.set(attrs.slopes, (base + slopesAt) >> 2);
  const address = (t: TensorInfo | undefined): number => (t ? elementAddress(backend.address(t.handle), t) : 0);
  const scale = new Float32Array([attrs.softmaxScale]);
  i32.set([
    g.B, g.H, g.G, g.Tq, g.Tk, g.hd, new Int32Array(scale.buffer)[0]!, attrs.causal ? 1 : 0, attrs.slopes ? base + slopesAt : 0,
    tensors.mask ? backend.address(tensors.mask.handle) + tensors.mask.offset : 0,
    address(tensors.q), address(tensors.k), address(tensors.v), address(tensors.out), address(tensors.dOut), address(tensors.y),
    address(tensors.dk), address(tensors.dv), 0, base + wsAt, wsBytes, split ? 0 : -1, split ? base + statsAt : 0,
  ], base >> 2);
  return [base, threads];
}

const keyEnd = (attrs: AttentionAttrs, g: Geometry, i: number): number => (attrs.causal ? Math.min(g.Tk, i + g.Tk - g.Tq + 1) : g.Tk);

function forward64(backend: WasmBackend, g: Geometry, attrs: AttentionAttrs, q: TensorInfo, k: TensorInfo, v: TensorInfo,
  mask: TensorInfo | undefined, y: TensorInfo): void {
  const { B, H, G, Tq, Tk, hd } = g;
  const qs = backend.array(q.handle), ks = backend.array(k.handle), vs = backend.array(v.handle), ys = backend.array(y.handle);
  const ms = mask ? backend.array(mask.handle) : null;
  const acc = new Float64Array(hd);
  const shift = Tk - Tq;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kv = Math.floor(h / (H / G));
      const slope = attrs.slopes ? attrs.slopes[h]! : 0;
      const kBase = k.offset + (b * G + kv) * Tk * hd;
      const vBase = v.offset + (b * G + kv) * Tk * hd;
      for (let i = 0; i < Tq; i++) {
        const qBase = q.offset + ((b * H + h) * Tq + i) * hd;
        let m = -Infinity;
        let l = 0;
        acc.fill(0);
        const end = keyEnd(attrs, g, i);
        for (let j = 0; j < end; j++) {
          if (ms && !ms[mask!.offset + b * Tk + j]) continue;
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += qs[qBase + d]! * ks[kBase + j * hd + d]!;
          const s = dot * attrs.softmaxScale - slope * Math.abs(i + shift - j);
          const vRow = vBase + j * hd;
          if (s > m) {
            const correction = Math.exp(m - s); // 0 on the first visible key
            l = l * correction + 1;
            for (let d = 0; d < hd; d++) acc[d] = acc[d]! * correction + vs[vRow + d]!;
            m = s;
          } else {
            const p = Math.exp(s - m);
            l += p;
            for (let d = 0; d < hd; d++) acc[d] = acc[d]! + p * vs[vRow + d]!;
          }
        }
        const inverse = l > 0 ? 1 / l : 0;
        const yBase = ((b * H + h) * Tq + i) * hd;
        for (let d = 0; d < hd; d++) ys[yBase + d] = acc[d]! * inverse;
      }
    }
  }
}

function backward64(backend: WasmBackend, g: Geometry, attrs: AttentionAttrs, q: TensorInfo, k: TensorInfo, v: TensorInfo,
  mask: TensorInfo | undefined, out: TensorInfo, dOut: TensorInfo, dq: TensorInfo, dk: TensorInfo, dv: TensorInfo): void {
  const { B, H, G, Tq, Tk, hd } = g;
  const qs = backend.array(q.handle), ks = backend.array(k.handle), vs = backend.array(v.handle);
  const os = backend.array(out.handle), dos = backend.array(dOut.handle);
  const ms = mask ? backend.array(mask.handle) : null;
  const dqs = backend.array(dq.handle), dks = backend.array(dk.handle), dvs = backend.array(dv.handle);
  const scale = attrs.softmaxScale;
  const shift = Tk - Tq;
  const group = H / G;
  const scores = new Float64Array(Tk);
  const dqRow = new Float64Array(hd);
  const dkAcc = new Float64Array(Tk * hd);
  const dvAcc = new Float64Array(Tk * hd);
  for (let b = 0; b < B; b++) {
    for (let kv = 0; kv < G; kv++) {
      dkAcc.fill(0);
      dvAcc.fill(0);
      const kBase = k.offset + (b * G + kv) * Tk * hd;
      const vBase = v.offset + (b * G + kv) * Tk * hd;
      for (let h = kv * group; h < (kv + 1) * group; h++) {
        const slope = attrs.slopes ? attrs.slopes[h]! : 0;
        for (let i = 0; i < Tq; i++) {
          const row = ((b * H + h) * Tq + i) * hd;
          const qBase = q.offset + row, oBase = out.offset + row, doBase = dOut.offset + row;
          const end = keyEnd(attrs, g, i);
          let m = -Infinity;
          for (let j = 0; j < end; j++) {
            if (ms && !ms[mask!.offset + b * Tk + j]) {
              scores[j] = -Infinity;
              continue;
            }
            let dot = 0;
            for (let d = 0; d < hd; d++) dot += qs[qBase + d]! * ks[kBase + j * hd + d]!;
            const s = dot * scale - slope * Math.abs(i + shift - j);
            scores[j] = s;
            if (s > m) m = s;
          }
          if (m === -Infinity) {
            for (let d = 0; d < hd; d++) dqs[row + d] = 0;
            continue;
          }
          let l = 0;
          for (let j = 0; j < end; j++) l += Math.exp(scores[j]! - m);
          let D = 0;
          for (let d = 0; d < hd; d++) D += dos[doBase + d]! * os[oBase + d]!;
          dqRow.fill(0);
          for (let j = 0; j < end; j++) {
            const sj = scores[j]!;
            if (sj === -Infinity) continue;
            const p = Math.exp(sj - m) / l;
            const kRow = kBase + j * hd, vRow = vBase + j * hd;
            let dp = 0;
            for (let d = 0; d < hd; d++) dp += dos[doBase + d]! * vs[vRow + d]!;
            const ds = p * (dp - D);
            const at = j * hd;
            for (let d = 0; d < hd; d++) {
              dvAcc[at + d] = dvAcc[at + d]! + p * dos[doBase + d]!;
              dkAcc[at + d] = dkAcc[at + d]! + ds * qs[qBase + d]!;
              dqRow[d] = dqRow[d]! + ds * ks[kRow + d]!;
            }
          }
          for (let d = 0; d < hd; d++) dqs[row + d] = dqRow[d]! * scale;
        }
      }
      const base = (b * G + kv) * Tk * hd;
      for (let x = 0; x < Tk * hd; x++) {
        dks[base + x] = dkAcc[x]! * scale;
        dvs[base + x] = dvAcc[x]!;
      }
    }
  }
}

export const attentionKernels: WasmKernel[] = [
  wasmKernel(Attention, ({ backend, inputs: [q, k, v, mask], outputs: [y], attrs }) => {
    const g = geometry(q!, k!);
    if (g.B * g.H * g.Tq * g.hd === 0) return;
    if (q!.dtype !== 'float32') return forward64(backend, g, attrs, q!, k!, v!, mask, y!);
    const work = g.B * g.H * g.Tq * g.Tk * g.hd * 2;
    backend.claim(y!.handle); // every row is written (zeros for a row that sees no key)
    const [params, threads] = prepare(backend, g, attrs, false, work, { q: q!, k: k!, v: v!, mask, y: y! });
    backend.runJob('attentionForward', params, threads);
  }),
  wasmKernel(AttentionBackward, ({ backend, inputs: [q, k, v, out, dOut, mask], outputs: [dq, dk, dv], attrs }) => {
    const g = geometry(q!, k!);
    if (q!.dtype !== 'float32') return backward64(backend, g, attrs, q!, k!, v!, mask, out!, dOut!, dq!, dk!, dv!);
    if (g.B * g.G * g.Tk * g.hd === 0 && g.B * g.H * g.Tq * g.hd === 0) return;
    const work = g.B * g.H * g.Tq * g.Tk * g.hd * 6;
    for (const t of [dq!, dk!, dv!]) backend.claim(t.handle); // dq written row by row; dk, dv zero-filled by their task
    const [params, threads] = prepare(backend, g, attrs, true, work, {
      q: q!, k: k!, v: v!, mask, out: out!, dOut: dOut!, y: dq!, dk: dk!, dv: dv!,
    });
    if (!splitBackward(g)) return backend.runJob('attentionBackward', params, threads);
    const i32 = backend.heap.views.i32;
    for (const phase of [0, 1, 2]) {
      i32[(params >> 2) + 18] = 0; // the task counter
      i32[(params >> 2) + 21] = phase;
      backend.runJob('attentionBackward', params, threads);
    }
  }),
];
