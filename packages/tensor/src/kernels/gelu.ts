/**
 * Gelu (composite), elementwise:
 *   approximate 'none': y = 0.5 x (1 + erf(x / sqrt 2))
 *   approximate 'tanh': y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
 */
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { DTypeError } from '../errors.js';

/**
 * GELU variant: 'none' is the exact erf form, 'tanh' the tanh approximation (GPT-2).
 *
 * @example
 * ```ts
 * const approximate: kernels.GeluApproximation = 'tanh';
 * const y = gelu(h, approximate);
 * ```
 */
export type GeluApproximation = 'none' | 'tanh';

/**
 * Gelu (composite): elementwise GELU, exact or tanh-approximate.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Gelu, [h], { approximate: 'none' });
 * ```
 */
export const Gelu = defineKernel<{ approximate: GeluApproximation }>({
  name: 'Gelu',
  inputs: ['x'],
  strided: true,
  infer: ([x]) => {
    if (!isFloat(x!.dtype)) throw new DTypeError('Gelu', [x!.dtype], 'needs a floating-point input');
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
  decompose: ([x], { approximate }, ops) => {
    const inner = approximate === 'tanh'
      ? ops.tanh(ops.mul(ops.add(x!, ops.mul(ops.pow(x!, 3), 0.044715)), Math.sqrt(2 / Math.PI)))
      : ops.erf(ops.mul(x!, Math.SQRT1_2));
    return [ops.mul(ops.mul(x!, 0.5), ops.add(inner, 1))];
  },
});
