/**
 * LogSumExp (composite): y[o] = m[o] + log(sum_r exp(x[o, r] - m[o])), m = max_r x[o, r].
 * Reduced axes are removed from the output shape.
 */
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { DTypeError } from '../errors.js';
import type { ReduceAttrs } from './reduce.js';
import { add, exp, log, sub } from '../ops/elementwise.js';
import { max, sum } from '../ops/reduce.js';
import { reshape } from '../ops/shape.js';

export const LogSumExp = defineKernel<ReduceAttrs>({
  name: 'LogSumExp',
  inputs: ['x'],
  strided: true,
  infer: ([x], { axes }) => {
    if (!isFloat(x!.dtype)) throw new DTypeError('LogSumExp', [x!.dtype], 'needs a floating-point input');
    return [{ shape: x!.shape.filter((_, i) => !axes.includes(i)), dtype: x!.dtype }];
  },
  decompose: ([x], { axes }) => {
    const m = max(x!, axes, true);
    const y = add(log(sum(exp(sub(x!, m)), axes, true)), m);
    return [reshape(y, x!.shape.filter((_, i) => !axes.includes(i)))];
  },
});
