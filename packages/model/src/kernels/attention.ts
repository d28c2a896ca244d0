/**
 * Attention (composite, fused on backends that register it): scaled dot-product attention with
 * an optional causal mask, ALiBi bias, key padding mask and grouped key/value heads.
 *
 *   q [B, H, Tq, hd], k [B, G, Tk, hd], v [B, G, Tk, hd], keyMask? bool [B, Tk] (true = attend)
 *   query head h reads key/value head g = floor(h / (H / G))     (MHA: G = H, MQA: G = 1)
 *   query row i sits at absolute position p_i = i + (Tk - Tq)    (the last Tq of Tk positions)
 *   s[h, i, j] = scale * (q[h, i] . k[g, j]) - slope_h * |p_i - j|     (ALiBi; no bias without slopes)
 *   key j is visible iff keyMask[j] and (not causal or j <= p_i)
 *   p[h, i, :] = softmax over the visible keys; out[h, i] = sum_j p[h, i, j] v[g, j]   -> [B, H, Tq, hd]
 *
 * Invisible keys get probability exactly 0 (the reference fills them with the float32 minimum,
 * which gives the same numbers whenever a row sees at least one key). A row that sees no key
 * (a left-padding query) outputs zeros instead of the reference's uniform average; those rows
 * are ignored by every caller. The bias is computed from positions, so there is no length cap.
 *
 * AttentionBackward recomputes the probabilities (nothing T x T is saved between passes):
 *   dv[g, j] = sum_{h in g, i} p dOut[h, i];  dp = dOut[h, i] . v[g, j];  D_i = dOut[h, i] . out[h, i]
 *   ds = p (dp - D_i);  dq[h, i] = scale sum_j ds k[g, j];  dk[g, j] = scale sum_{h in g, i} ds q[h, i]
 */
import { defineGrad, defineKernel, DTypeError, isFloat, runKernel, ShapeError, type KernelDef, type Tensor, type TensorMeta } from '@tessera/tensor';

/**
 * Attributes of {@link Attention}. The key/value grouping (H / G) follows from the shapes of q and k.
 *
 * @example
 * ```ts
 * const attrs: AttentionAttrs = { softmaxScale: 1 / Math.sqrt(64), slopes: alibiSlopes(8), causal: true };
 * ```
 */
export interface AttentionAttrs {
  readonly softmaxScale: number;
  /** ALiBi slope per query head, or null for no positional bias. */
  readonly slopes: readonly number[] | null;
  readonly causal: boolean;
}

type Ops = Parameters<NonNullable<KernelDef<AttentionAttrs>['decompose']>>[2];

/** The float32 minimum, the reference's fill value for masked scores. */
export const MASKED_SCORE = -3.4028234663852886e38;

function checkInputs(name: string, inputs: readonly TensorMeta[], attrs: AttentionAttrs, extra: number): void {
  const [q, k, v] = inputs;
  const shapes = inputs.map((t) => t.shape);
  if (!q || !k || !v || q.shape.length !== 4 || k.shape.length !== 4 || v.shape.length !== 4) {
    throw new ShapeError(name, shapes, 'expected q [B, H, Tq, hd], k [B, G, Tk, hd], v [B, G, Tk, hd]');
  }
  const [B, H, Tq, hd] = q.shape as [number, number, number, number];
  const [Bk, G, Tk, hdk] = k.shape as [number, number, number, number];
  if (Bk !== B || hdk !== hd || G === 0 || H % G !== 0 || v.shape.join() !== k.shape.join()) {
    throw new ShapeError(name, shapes, 'k and v must be [B, G, Tk, hd] with G dividing H');
  }
  if (attrs.causal && Tq > Tk) throw new ShapeError(name, shapes, `causal attention needs Tq <= Tk (queries are the last Tq of Tk positions)`);
  if (attrs.slopes && attrs.slopes.length !== H) throw new ShapeError(name, shapes, `${attrs.slopes.length} ALiBi slopes for ${H} heads`);
  const floats = inputs.slice(0, 3 + extra);
  if (!isFloat(q.dtype) || floats.some((t) => t.dtype !== q.dtype)) {
    throw new DTypeError(name, floats.map((t) => t.dtype), 'q, k, v (and gradients) must share one floating-point dtype');
  }
  const mask = inputs[3 + extra];
  if (mask) {
    if (mask.dtype !== 'bool') throw new DTypeError(name, [mask.dtype], 'keyMask must be bool (true = attend)');
    if (mask.shape.length !== 2 || mask.shape[0] !== B || mask.shape[1] !== Tk) throw new ShapeError(name, shapes, 'keyMask must be [B, Tk]');
  }
  if (inputs.length > 4 + extra) throw new ShapeError(name, shapes, 'too many inputs');
}

/**
 * The probabilities p [B, H, Tq, Tk] in ops (invisible keys exactly 0), and k, v expanded to H heads.
 * The reference for both kernels; also the attention-dropout path.
 */
export function attentionProbs(ops: Ops, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | undefined, attrs: AttentionAttrs): { p: Tensor; kx: Tensor; vx: Tensor } {
  const [, H, Tq] = q.shape as [number, number, number, number];
  const [, G, Tk] = k.shape as [number, number, number, number];
  const kx = G === H ? k : ops.repeatInterleave(k, H / G, 1);
  const vx = G === H ? v : ops.repeatInterleave(v, H / G, 1);
  let s = ops.mul(ops.matmul(q, ops.transpose(kx, -2, -1)), attrs.softmaxScale);
  const position = ops.cast(ops.add(ops.arange(Tq), Tk - Tq), q.dtype);
  const distance = ops.sub(ops.unsqueeze(position, 1), ops.unsqueeze(ops.cast(ops.arange(Tk), q.dtype), 0)); // p_i - j, [Tq, Tk]
  if (attrs.slopes) {
    const slopes = ops.tensor([...attrs.slopes], [H, 1, 1], q.dtype);
    s = ops.sub(s, ops.mul(slopes, ops.abs(distance)));
  }
  let visible = ops.ones([Tq, Tk], q.dtype);
  if (attrs.causal) visible = ops.cast(ops.ge(distance, 0), q.dtype);
  if (mask) visible = ops.mul(ops.unsqueeze(visible, 0), ops.unsqueeze(ops.cast(mask, q.dtype), 1)); // [B, Tq, Tk]
  const hidden = ops.eq(ops.unsqueeze(visible, -3), 0);
  const filled = ops.maskedFill(s, hidden, MASKED_SCORE);
  const e = ops.exp(ops.sub(filled, ops.max(filled, -1, true)));
  const p = ops.maskedFill(ops.div(e, ops.sum(e, -1, true)), hidden, 0);
  return { p, kx, vx };
}

/** Sum a gradient over the H / G query heads of each key/value head: [B, H, T, hd] -> [B, G, T, hd]. */
function sumGroups(ops: Ops, x: Tensor, G: number): Tensor {
  const [B, H, T, hd] = x.shape as [number, number, number, number];
  return G === H ? x : ops.sum(ops.reshape(x, [B, G, H / G, T, hd]), 2);
}

/**
 * The fused attention kernel definition. Use {@link attention} to call it.
 *
 * @example
 * ```ts
 * const [out] = runKernel(Attention, [q, k, v], { softmaxScale: 0.125, slopes: alibiSlopes(8), causal: true });
 * ```
 */
export const Attention = defineKernel<AttentionAttrs>({
  name: 'Attention',
  inputs: ['q', 'k', 'v', 'keyMask'],
  variadic: true,
  infer: (inputs, attrs) => {
    checkInputs('Attention', inputs, attrs, 0);
    return [{ shape: inputs[0]!.shape, dtype: inputs[0]!.dtype }];
  },
  decompose: ([q, k, v, mask], attrs, ops) => {
    const { p, vx } = attentionProbs(ops, q!, k!, v!, mask, attrs);
    return [ops.matmul(p, vx)];
  },
});

/**
 * The gradient of {@link Attention}: inputs q, k, v, out, dOut (and keyMask) -> dq, dk, dv.
 *
 * @example
 * ```ts
 * const [dq, dk, dv] = runKernel(AttentionBackward, [q, k, v, out, dOut], attrs);
 * ```
 */
export const AttentionBackward = defineKernel<AttentionAttrs>({
  name: 'AttentionBackward',
  inputs: ['q', 'k', 'v', 'out', 'dOut', 'keyMask'],
  variadic: true,
  differentiable: false,
  infer: (inputs, attrs) => {
    const [q, k, v, out, dOut] = inputs;
    checkInputs('AttentionBackward', [q!, k!, v!, ...inputs.slice(5)], attrs, 0);
    if (!out || !dOut || out.shape.join() !== q!.shape.join() || dOut.shape.join() !== q!.shape.join()) {
      throw new ShapeError('AttentionBackward', inputs.map((t) => t.shape), 'out and dOut must have the shape of q');
    }
    return [q!, k!, v!].map((t) => ({ shape: t.shape, dtype: t.dtype }));
  },
  decompose: ([q, k, v, out, dOut, mask], attrs, ops) => {
    const G = k!.shape[1]!;
    const { p, kx, vx } = attentionProbs(ops, q!, k!, v!, mask, attrs);
    const dv = sumGroups(ops, ops.matmul(ops.transpose(p, -2, -1), dOut!), G);
    const dp = ops.matmul(dOut!, ops.transpose(vx, -2, -1));
    const D = ops.sum(ops.mul(dOut!, out!), -1, true);
    const ds = ops.mul(p, ops.sub(dp, D));
    const dq = ops.mul(ops.matmul(ds, kx), attrs.softmaxScale);
    const dk = sumGroups(ops, ops.mul(ops.matmul(ops.transpose(ds, -2, -1), q!), attrs.softmaxScale), G);
    return [dq, dk, dv];
  },
});

defineGrad(Attention, ([dOut], { inputs: [q, k, v, mask], outputs: [out], attrs }) => {
  const [dq, dk, dv] = runKernel(AttentionBackward, mask ? [q!, k!, v!, out!, dOut!, mask] : [q!, k!, v!, out!, dOut!], attrs);
  return [dq!, dk!, dv!, null];
});

/**
 * Fused attention (see the definition above for the math and shapes).
 *
 * @example
 * ```ts
 * const out = attention(q, k, v, { softmaxScale: 1 / Math.sqrt(hd), slopes: alibiSlopes(H), causal: true }, keyMask);
 * ```
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, attrs: AttentionAttrs, keyMask?: Tensor): Tensor {
  return runKernel(Attention, keyMask ? [q, k, v, keyMask] : [q, k, v], attrs)[0]!;
}
