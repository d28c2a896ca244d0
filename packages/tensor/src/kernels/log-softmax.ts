/**
 * LogSoftmax (composite) along `axis`: y = x - max - log(sum(exp(x - max))).
 * Shapes: y.shape = x.shape.
 */
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { DTypeError } from '../errors.js';

/**
 * LogSoftmax (composite) along a non-negative `axis`.
 *
 * @example
 * ```ts
 * const [logp] = runKernel(kernels.LogSoftmax, [logits], { axis: logits.rank - 1 });
 * ```
 */
export const LogSoftmax = defineKernel<{ axis: number }>({
  name: 'LogSoftmax',
  inputs: ['x'],
  infer: ([x]) => {
    if (!isFloat(x!.dtype)) throw new DTypeError('LogSoftmax', [x!.dtype], 'needs a floating-point input');
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
  decompose: ([x], { axis }, ops) => {
    const m = ops.max(x!, axis, true);
    return [ops.sub(x!, ops.add(ops.log(ops.sum(ops.exp(ops.sub(x!, m)), axis, true)), m))];
  },
});
