/**
 * Fused attention (native/attention.cc, native/isa-attention.inc) for `@tessera/model`'s
 * `Attention` and `AttentionBackward` definitions, registered by name (kernel packages do not
 * import the model; test/attention.test.ts checks that the attributes below match the model's):
 *
 *   q [B, H, Tq, hd], k, v [B, G, Tk, hd], keyMask? bool [B, Tk] (true = attend)
 *   query head h reads key/value head g = floor(h / (H / G)); query row i sits at p_i = i + Tk - Tq
 *   s[i, j] = scale (q_i . k_j) - slope_h |p_i - j|;  key j visible iff keyMask[j] and (!causal or j <= p_i)
 *   out_i = sum_j softmax(s_i)_j v_j  (a row that sees no key: zeros)
 *   backward: inputs q, k, v, out, dOut (, keyMask) -> dq, dk, dv, probabilities recomputed per tile
 *
 * float32: FlashAttention-style tiles with an online softmax, no T x T buffer, SIMD on the chosen
 * ISA, threaded over (batch, head, query block) forward and (batch, key/value head) backward.
 * float64: the row-by-row loop of the reference backend.
 */
import { kernelRef } from '@tessera/tensor';
import type { NativeBackend } from '../backend.js';
import { nativeKernel, type NativeKernel } from './registration.js';

/** The attributes of the model's `Attention` / `AttentionBackward` (`AttentionAttrs` there). */
export interface AttentionAttrs {
  readonly softmaxScale: number;
  readonly slopes: readonly number[] | null;
  readonly causal: boolean;
}

/** `@tessera/model`'s attention definitions, by name. */
export const Attention = kernelRef<AttentionAttrs>('Attention');
export const AttentionBackward = kernelRef<AttentionAttrs>('AttentionBackward');

const slopeArrays = new WeakMap<readonly number[], Float64Array>();

/** The slopes as a Float64Array for the addon, made once per slopes array. */
function slopesArray(slopes: readonly number[] | null): Float64Array | null {
  if (!slopes) return null;
  let array = slopeArrays.get(slopes);
  if (!array) slopeArrays.set(slopes, (array = Float64Array.from(slopes)));
  return array;
}

function header(backend: NativeBackend, attrs: AttentionAttrs, hasMask: boolean) {
  return backend.call().push(attrs.softmaxScale, attrs.causal ? 1 : 0, hasMask ? 1 : 0);
}

export const attentionKernels: NativeKernel[] = [
  nativeKernel(Attention, ({ backend, inputs: [q, k, v, mask], outputs: [y], attrs }) => {
    const meta = header(backend, attrs, mask !== undefined).view(q!).view(k!).view(v!);
    if (mask) meta.view(mask);
    backend.addon.attention(backend.array(q!.handle), backend.array(k!.handle), backend.array(v!.handle),
      mask ? backend.array(mask.handle) : null, slopesArray(attrs.slopes), backend.array(y!.handle));
  }),
  nativeKernel(AttentionBackward, ({ backend, inputs: [q, k, v, out, dOut, mask], outputs: [dq, dk, dv], attrs }) => {
    const meta = header(backend, attrs, mask !== undefined).view(q!).view(k!).view(v!);
    if (mask) meta.view(mask);
    meta.view(out!).view(dOut!);
    backend.addon.attentionBackward(backend.array(q!.handle), backend.array(k!.handle), backend.array(v!.handle),
      backend.array(out!.handle), backend.array(dOut!.handle), mask ? backend.array(mask.handle) : null, slopesArray(attrs.slopes),
      backend.array(dq!.handle), backend.array(dk!.handle), backend.array(dv!.handle));
  }, { accumulates: true }),
];
