/**
 * Attention on the reference CPU backend, FlashAttention style: one query row at a time with an
 * online softmax (running max m, running sum l, running output acc[hd]), so nothing T x T is
 * ever materialised: the forward needs O(hd) scratch per row, the backward O(Tk) per row plus
 * the dk/dv accumulators of one key/value head. Arithmetic in float64, stored as float32.
 * Math and shapes: see `attention.ts`.
 */
import { kernel, registerKernel, type CpuBackend, type KernelContext, type TensorInfo } from '@tessera/tensor';
import { Attention, AttentionBackward, type AttentionAttrs } from './attention.js';

interface Geometry {
  B: number;
  H: number;
  G: number;
  Tq: number;
  Tk: number;
  hd: number;
  shift: number;
}

function geometry(q: TensorInfo, k: TensorInfo): Geometry {
  const [B, H, Tq, hd] = q.shape as [number, number, number, number];
  const [, G, Tk] = k.shape as [number, number, number, number];
  return { B, H, G, Tq, Tk, hd, shift: Tk - Tq };
}

/** The last key row i may see (exclusive bound) and whether each key is masked. */
function keyLimit(attrs: AttentionAttrs, g: Geometry, i: number): number {
  return attrs.causal ? Math.min(g.Tk, i + g.shift + 1) : g.Tk;
}

type Context = KernelContext<AttentionAttrs, CpuBackend>;


function forward({ backend, inputs: [q, k, v, mask], outputs: [out], attrs }: Context): void {
  const g = geometry(q!, k!);
  const { H, G, Tq, Tk, hd, shift } = g;
  const qs = backend.array(q!.handle);
  const ks = backend.array(k!.handle);
  const vs = backend.array(v!.handle);
  const ms = mask ? backend.array(mask.handle) : null;
  const os = backend.array(out!.handle);
  const scale = attrs.softmaxScale;
  const acc = new Float64Array(hd);
  const qrow = new Float64Array(hd);
  for (let b = 0; b < g.B; b++) {
    for (let h = 0; h < H; h++) {
      const kvHead = Math.floor(h / (H / G));
      const slope = attrs.slopes ? attrs.slopes[h]! : 0;
      const kBase = k!.offset + (b * G + kvHead) * Tk * hd;
      const vBase = v!.offset + (b * G + kvHead) * Tk * hd;
      for (let i = 0; i < Tq; i++) {
        const qBase = q!.offset + ((b * H + h) * Tq + i) * hd;
        for (let d = 0; d < hd; d++) qrow[d] = qs[qBase + d]!;
        const position = i + shift;
        let m = -Infinity;
        let l = 0;
        acc.fill(0);
        const limit = keyLimit(attrs, g, i);
        for (let j = 0; j < limit; j++) {
          if (ms && !ms[mask!.offset + b * Tk + j]) continue;
          const kRow = kBase + j * hd;
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += qrow[d]! * ks[kRow + d]!;
          const s = dot * scale - slope * Math.abs(position - j);
          const vRow = vBase + j * hd;
          if (s > m) {
            const correction = Math.exp(m - s); // 0 on the first visible key
            l *= correction;
            for (let d = 0; d < hd; d++) acc[d] = acc[d]! * correction + vs[vRow + d]!;
            l += 1;
            m = s;
          } else {
            const p = Math.exp(s - m);
            l += p;
            for (let d = 0; d < hd; d++) acc[d] = acc[d]! + p * vs[vRow + d]!;
          }
        }
        const outBase = ((b * H + h) * Tq + i) * hd;
        const inv = l > 0 ? 1 / l : 0; // a row that sees no key outputs zeros
        for (let d = 0; d < hd; d++) os[outBase + d] = acc[d]! * inv;
      }
    }
  }
}

function backward({ backend, inputs: [q, k, v, out, dOut, mask], outputs: [dq, dk, dv], attrs }: Context): void {
  const g = geometry(q!, k!);
  const { H, G, Tq, Tk, hd, shift } = g;
  const qs = backend.array(q!.handle);
  const ks = backend.array(k!.handle);
  const vs = backend.array(v!.handle);
  const os = backend.array(out!.handle);
  const dos = backend.array(dOut!.handle);
  const ms = mask ? backend.array(mask.handle) : null;
  const dqs = backend.array(dq!.handle);
  const dks = backend.array(dk!.handle);
  const dvs = backend.array(dv!.handle);
  const scale = attrs.softmaxScale;
  const scores = new Float64Array(Tk);
  const dqRow = new Float64Array(hd);
  const dkAcc = new Float64Array(Tk * hd);
  const dvAcc = new Float64Array(Tk * hd);
  const group = H / G;
  for (let b = 0; b < g.B; b++) {
    for (let kvHead = 0; kvHead < G; kvHead++) {
      dkAcc.fill(0);
      dvAcc.fill(0);
      const kBase = k!.offset + (b * G + kvHead) * Tk * hd;
      const vBase = v!.offset + (b * G + kvHead) * Tk * hd;
      for (let h = kvHead * group; h < (kvHead + 1) * group; h++) {
        const slope = attrs.slopes ? attrs.slopes[h]! : 0;
        for (let i = 0; i < Tq; i++) {
          const row = ((b * H + h) * Tq + i) * hd;
          const qBase = q!.offset + row;
          const oBase = out!.offset + row;
          const doBase = dOut!.offset + row;
          const limit = keyLimit(attrs, g, i);
          const position = i + shift;
          // Pass 1: scores of the visible keys and their softmax statistics.
          let m = -Infinity;
          for (let j = 0; j < limit; j++) {
            if (ms && !ms[mask!.offset + b * Tk + j]) {
              scores[j] = -Infinity;
              continue;
            }
            const kRow = kBase + j * hd;
            let dot = 0;
            for (let d = 0; d < hd; d++) dot += qs[qBase + d]! * ks[kRow + d]!;
            const s = dot * scale - slope * Math.abs(position - j);
            scores[j] = s;
            if (s > m) m = s;
          }
          dqRow.fill(0);
          if (m === -Infinity) {
            for (let d = 0; d < hd; d++) dqs[row + d] = 0;
            continue;
          }
          let l = 0;
          for (let j = 0; j < limit; j++) l += Math.exp(scores[j]! - m);
          let D = 0;
          for (let d = 0; d < hd; d++) D += dos[doBase + d]! * os[oBase + d]!;
          // Pass 2: gradients.
          for (let j = 0; j < limit; j++) {
            const sj = scores[j]!;
            if (sj === -Infinity) continue;
            const p = Math.exp(sj - m) / l;
            const kRow = kBase + j * hd;
            const vRow = vBase + j * hd;
            let dp = 0;
            for (let d = 0; d < hd; d++) dp += dos[doBase + d]! * vs[vRow + d]!;
            const ds = p * (dp - D);
            const acc = j * hd;
            for (let d = 0; d < hd; d++) {
              dvAcc[acc + d] = dvAcc[acc + d]! + p * dos[doBase + d]!;
              dkAcc[acc + d] = dkAcc[acc + d]! + ds * qs[qBase + d]!;
              dqRow[d] = dqRow[d]! + ds * ks[kRow + d]!;
            }
          }
          for (let d = 0; d < hd; d++) dqs[row + d] = dqRow[d]! * scale;
        }
      }
      const base = (b * G + kvHead) * Tk * hd;
      for (let x = 0; x < Tk * hd; x++) {
        dks[base + x] = dkAcc[x]! * scale;
        dvs[base + x] = dvAcc[x]!;
      }
    }
  }
}

/** The CPU registrations of the attention kernels. */
export const cpuAttentionKernels = [
  kernel<AttentionAttrs, CpuBackend>(Attention, forward),
  kernel<AttentionAttrs, CpuBackend>(AttentionBackward, backward),
];

/**
 * Register the fused attention kernels for the reference CPU backend (every backend named
 * `'cpu'`). Idempotent. Without it, attention runs its decomposition. `MPTForCausalLM` calls it.
 *
 * @example
 * ```ts
 * registerCpuAttention();
 * const out = attention(q, k, v, attrs); // now the row-by-row kernel on the CPU backend
 * ```
 */
export function registerCpuAttention(backendName = 'cpu'): void {
  for (const registration of cpuAttentionKernels) registerKernel(backendName, registration);
}
