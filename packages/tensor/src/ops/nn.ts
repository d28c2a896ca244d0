/**
 * Neural-network ops: softmax, logSoftmax, gelu, layerNorm, embedding, crossEntropy.
 * Each is one kernel (fused on backends that have it, decomposed otherwise) with its own
 * gradient rule.
 */
import { runKernel } from '../engine.js';
import { defineGrad } from '../kernel.js';
import { CrossEntropy, CrossEntropyBackward } from '../kernels/cross-entropy.js';
import { Gather, ScatterAdd } from '../kernels/gather.js';
import { Gelu, GeluBackward, type GeluApproximation } from '../kernels/gelu.js';
import { LayerNorm, LayerNormBackward } from '../kernels/layer-norm.js';
import { LogSoftmax } from '../kernels/log-softmax.js';
import { LogSumExp } from '../kernels/logsumexp.js';
import { Softmax } from '../kernels/softmax.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { exp, mul, sub } from './elementwise.js';
import { expandBack, reduce, sum, type Axes } from './reduce.js';

/**
 * log(sum(exp(x))) over `axis`, computed stably.
 *
 * @example
 * ```ts
 * const lse = logsumexp(logits, -1); // [B, T]
 * ```
 */
export function logsumexp(x: Tensor, axis: Axes = -1, keepDims = false): Tensor {
  return reduce(LogSumExp, 'logsumexp', x, axis, keepDims);
}

/**
 * Softmax along `axis` (default last).
 *
 * @example
 * ```ts
 * const probs = softmax(scores, -1);
 * ```
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return runKernel(Softmax, [x], { axis: normalizeAxis('softmax', axis, x.rank) })[0]!;
}

/**
 * log(softmax(x)) along `axis`, computed stably.
 *
 * @example
 * ```ts
 * const logp = logSoftmax(logits, -1);
 * ```
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return runKernel(LogSoftmax, [x], { axis: normalizeAxis('logSoftmax', axis, x.rank) })[0]!;
}

/**
 * GELU, exact (erf) or tanh-approximate.
 *
 * @example
 * ```ts
 * const a = gelu(h);          // exact
 * const b = gelu(h, 'tanh');  // GPT-2's approximation
 * ```
 */
export function gelu(x: Tensor, approximate: GeluApproximation = 'none'): Tensor {
  return runKernel(Gelu, [x], { approximate })[0]!;
}

/**
 * Layer normalisation over the trailing `weight.rank` dims, biased variance.
 *
 * @example
 * ```ts
 * const h = layerNorm(x, norm1Weight);            // no bias, as MPT
 * const h2 = layerNorm(x, weight, bias, 1e-5);
 * ```
 */
export function layerNorm(x: Tensor, weight: Tensor, bias?: Tensor, eps = 1e-5): Tensor {
  return runKernel(LayerNorm, bias ? [x, weight, bias] : [x, weight], { eps })[0]!;
}

/**
 * Rows of `weight` [V, D] picked by int32 `ids` -> [...ids.shape, D].
 *
 * @example
 * ```ts
 * const x = embedding(wte, ids); // [B, T, C]
 * ```
 */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  return runKernel(Gather, [weight, ids], {})[0]!;
}

/**
 * Mean cross entropy between `logits` [..., C] and int32 class `targets` [...]; targets equal to
 * `ignoreIndex` (default -100) are left out of the mean.
 *
 * @example
 * ```ts
 * const loss = crossEntropy(reshape(logits, [-1, V]), reshape(targets, [-1]));
 * ```
 */
export function crossEntropy(logits: Tensor, targets: Tensor, options: { ignoreIndex?: number } = {}): Tensor {
  return runKernel(CrossEntropy, [logits, targets], { ignoreIndex: options.ignoreIndex ?? -100 })[0]!;
}

defineGrad(Softmax, ([dy], { outputs: [y], attrs: { axis } }) => [mul(y!, sub(dy!, sum(mul(dy!, y!), axis, true)))]);
defineGrad(LogSoftmax, ([dy], { outputs: [y], attrs: { axis } }) => [sub(dy!, mul(exp(y!), sum(dy!, axis, true)))]);
defineGrad(Gelu, ([dy], { inputs: [x], attrs: { approximate } }) => runKernel(GeluBackward, [dy!, x!], { approximate }));
defineGrad(LayerNorm, ([dy], { inputs: [x, weight, bias], attrs: { eps } }) =>
  runKernel(LayerNormBackward, [dy!, x!, weight!], { eps, bias: bias !== undefined }));
defineGrad(Gather, ([dy], { inputs: [weight, ids] }) => [runKernel(ScatterAdd, [dy!, ids!], { rows: weight!.shape[0]! })[0]!, null]);
defineGrad(ScatterAdd, ([dy], { inputs: [, ids] }) => [embedding(dy!, ids!), null]);
defineGrad(CrossEntropy, ([dy], { inputs: [logits, targets], attrs: { ignoreIndex } }) => [
  runKernel(CrossEntropyBackward, [logits!, targets!, dy!], { ignoreIndex })[0]!,
  null,
]);
defineGrad(LogSumExp, ([dy], { inputs: [x], outputs: [y], attrs: { axes } }) => [
  mul(expandBack(dy!, x!, axes), exp(sub(x!, expandBack(y!, x!, axes)))),
]);
