/**
 * LogSumExp (composite): y[o] = m[o] + log(sum_r exp(x[o, r] - m[o])), m = max_r x[o, r].
 * Reduced axes are removed from the output shape.
 */
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { DTypeError } from '../errors.js';
import type { ReduceAttrs } from './reduce.js';

/**
 * LogSumExp (composite) over sorted, non-negative `axes`, which are removed from the shape.
 *
 * @example
 * ```ts
 * const [lse] = runKernel(kernels.LogSumExp, [logits], { axes: [logits.rank - 1] });
 * ```
 */
export const LogSumExp = defineKernel<ReduceAttrs>({
  name: 'LogSumExp',
  inputs: ['x'],
  strided: true,
  infer: ([x], { axes }) => {
    if (!isFloat(x!.dtype)) throw new DTypeError('LogSumExp', [x!.dtype], 'needs a floating-point input');
    return [{ shape: x!.shape.filter((_, i) => !axes.includes(i)), dtype: x!.dtype }];
  },
  decompose: ([x], { axes }, ops) => {
    // An infinite maximum (a row of -inf, or a +inf entry) would give inf - inf = NaN: shift by 0.
    const rowMax = ops.max(x!, axes, true);
    const m = ops.where(ops.eq(ops.abs(rowMax), Infinity), 0, rowMax);
    const y = ops.add(ops.log(ops.sum(ops.exp(ops.sub(x!, m)), axes, true)), m);
    return [ops.reshape(y, x!.shape.filter((_, i) => !axes.includes(i)))];
  },
});
