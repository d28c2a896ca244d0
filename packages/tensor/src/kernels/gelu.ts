/**
 * Gelu (composite), elementwise:
 *   approximate 'none': y = 0.5 x (1 + erf(x / sqrt 2))
 *   approximate 'tanh': y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
 */
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { add, erf, mul, pow, tanh } from '../ops/elementwise.js';

export type GeluApproximation = 'none' | 'tanh';

export const Gelu = defineKernel<{ approximate: GeluApproximation }>({
  name: 'Gelu',
  inputs: ['x'],
  strided: true,
  infer: ([x]) => {
    if (!isFloat(x!.dtype)) throw new DTypeError('Gelu', [x!.dtype], 'needs a floating-point input');
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
  decompose: ([x], { approximate }) => {
    const inner = approximate === 'tanh'
      ? tanh(mul(add(x!, mul(pow(x!, 3), 0.044715)), Math.sqrt(2 / Math.PI)))
      : erf(mul(x!, Math.SQRT1_2));
    return [mul(mul(x!, 0.5), add(inner, 1))];
  },
});
