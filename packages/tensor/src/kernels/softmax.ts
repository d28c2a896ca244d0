/**
 * Softmax (composite) along `axis`: y = exp(x - max) / sum(exp(x - max)).
 * Shapes: y.shape = x.shape. Rows whose entries are all the float32 minimum stay uniform.
 */
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { DTypeError } from '../errors.js';

/**
 * Softmax (composite) along a non-negative `axis`.
 *
 * @example
 * ```ts
 * const [probs] = runKernel(kernels.Softmax, [scores], { axis: scores.rank - 1 });
 * ```
 */
export const Softmax = defineKernel<{ axis: number }>({
  name: 'Softmax',
  inputs: ['x'],
  infer: ([x]) => {
    if (!isFloat(x!.dtype)) throw new DTypeError('Softmax', [x!.dtype], 'needs a floating-point input');
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
  decompose: ([x], { axis }, ops) => {
    const e = ops.exp(ops.sub(x!, ops.max(x!, axis, true)));
    return [ops.div(e, ops.sum(e, axis, true))];
  },
});
