/**
 * LionStep: one DecoupledLionW update of one parameter, as a kernel (fused on backends that
 * register it, e.g. @tessera/kernels-native; its decomposition everywhere else).
 *
 *   inputs  p (θ), g, m: one shape, one floating-point dtype
 *   outputs p', m'  (same shape and dtype)
 *   p' = (decay === null ? p : p·decay) − lr·sign(m + (g − m)·(1 − β1))      sign(0) = 0
 *   m' = m + (g − m)·(1 − β2)
 *
 * The decomposition below is the reference: each op rounds to the dtype, and the scalars
 * (decay, lr, 1 − β1, 1 − β2, computed in float64) are rounded to the dtype, so a fused
 * implementation that evaluates the same operations in the same order is bit-identical.
 */
import { defineKernel, DTypeError, isFloat, ShapeError, type TensorMeta } from '@tessera/tensor';

/**
 * Attributes of {@link LionStep}.
 *
 * @example
 * ```ts
 * const attrs: LionStepAttrs = { lr: 1e-4, beta1: 0.9, beta2: 0.99, decay: null };
 * ```
 */
export interface LionStepAttrs {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  /** The factor θ is multiplied by first (1 − (η_t/η₀)·λ), or null for no weight decay. */
  readonly decay: number | null;
}

/** Inputs of one shape and one floating-point dtype; outputs like the first. */
export function checkStepInputs(name: string, inputs: readonly TensorMeta[], count: number): TensorMeta[] {
  const [p] = inputs;
  if (inputs.length !== count || !p || inputs.some((t) => t.shape.join() !== p.shape.join())) {
    throw new ShapeError(name, inputs.map((t) => t.shape), `expected ${count} tensors of one shape (parameter, gradient, state)`);
  }
  if (!isFloat(p.dtype) || inputs.some((t) => t.dtype !== p.dtype)) {
    throw new DTypeError(name, inputs.map((t) => t.dtype), 'parameter, gradient and state must share one floating-point dtype');
  }
  return [{ shape: p.shape, dtype: p.dtype }];
}

/**
 * The LION update kernel definition.
 *
 * @example
 * ```ts
 * const [next, momentum] = runKernel(LionStep, [p, g, m], { lr: 1e-4, beta1: 0.9, beta2: 0.99, decay: null });
 * ```
 */
export const LionStep = defineKernel<LionStepAttrs>({
  name: 'LionStep',
  inputs: ['param', 'grad', 'expAvg'],
  differentiable: false,
  infer: (inputs) => {
    const [meta] = checkStepInputs('LionStep', inputs, 3);
    return [meta!, meta!];
  },
  decompose: ([p, g, m], { lr, beta1, beta2, decay }, ops) => {
    const decayed = decay !== null ? ops.mul(p!, decay) : p!;
    const update = ops.sign(ops.add(m!, ops.mul(ops.sub(g!, m!), 1 - beta1)));
    return [ops.sub(decayed, ops.mul(update, lr)), ops.add(m!, ops.mul(ops.sub(g!, m!), 1 - beta2))];
  },
});
