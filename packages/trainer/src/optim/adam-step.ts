/**
 * AdamStep: one Adam update with decoupled weight decay of one parameter, as a kernel (fused on
 * backends that register it, e.g. @tessera/kernels-native; its decomposition everywhere else).
 *
 *   inputs  p (θ), g, m, v: one shape, one floating-point dtype
 *   outputs p', m', v'  (same shape and dtype)
 *   m' = m + (g − m)·(1 − β1)
 *   v' = v·β2 + (g·g)·(1 − β2)
 *   p' = (decay === null ? p : p·decay) − (m' / (√v' / correction2 + eps))·stepSize
 * with stepSize = η_t / (1 − β1^t) and correction2 = √(1 − β2^t) computed by the optimizer.
 *
 * The decomposition below is the reference: each op rounds to the dtype, and the scalars are
 * rounded to the dtype, so a fused implementation evaluating the same operations in the same
 * order is bit-identical.
 */
import { defineKernel } from '@tessera/tensor';
import { checkStepInputs } from './lion-step.js';

/**
 * Attributes of {@link AdamStep}.
 *
 * @example
 * ```ts
 * const attrs: AdamStepAttrs = { stepSize: 1e-3 / (1 - 0.9), beta1: 0.9, beta2: 0.999, eps: 1e-8, correction2: Math.sqrt(1 - 0.999), decay: null };
 * ```
 */
export interface AdamStepAttrs {
  /** η_t / (1 − β1^t). */
  readonly stepSize: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** √(1 − β2^t). */
  readonly correction2: number;
  /** The factor θ is multiplied by first, or null for no weight decay. */
  readonly decay: number | null;
}

/**
 * The Adam update kernel definition.
 *
 * @example
 * ```ts
 * const [next, m1, v1] = runKernel(AdamStep, [p, g, m, v], attrs);
 * ```
 */
export const AdamStep = defineKernel<AdamStepAttrs>({
  name: 'AdamStep',
  inputs: ['param', 'grad', 'expAvg', 'expAvgSq'],
  differentiable: false,
  infer: (inputs) => {
    const [meta] = checkStepInputs('AdamStep', inputs, 4);
    return [meta!, meta!, meta!];
  },
  decompose: ([p, g, m, v], { stepSize, beta1, beta2, eps, correction2, decay }, ops) => {
    const decayed = decay !== null ? ops.mul(p!, decay) : p!;
    const mNext = ops.add(m!, ops.mul(ops.sub(g!, m!), 1 - beta1));
    const vNext = ops.add(ops.mul(v!, beta2), ops.mul(ops.mul(g!, g!), 1 - beta2));
    const denom = ops.add(ops.div(ops.sqrt(vNext), correction2), eps);
    return [ops.sub(decayed, ops.mul(ops.div(mNext, denom), stepSize)), mNext, vNext];
  },
});
