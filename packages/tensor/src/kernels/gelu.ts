/**
 * Gelu (composite), elementwise:
 *   approximate 'none': y = 0.5 x (1 + erf(x / sqrt 2))
 *   approximate 'tanh': y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
 */
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { shapesEqual } from '../shape.js';

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

/**
 * GeluBackward (composite): dx = dy * gelu'(x), the gradient of {@link Gelu} in either form.
 *   'none': gelu'(x) = Phi(x) + x phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2, phi(x) = exp(-x^2/2) / sqrt(2 pi)
 *   'tanh': t = tanh(c x (1 + 0.044715 x^2)), c = sqrt(2/pi);
 *           gelu'(x) = (1 + t) / 2 + (x / 2) (1 - t^2) c (1 + 3 * 0.044715 x^2)
 * Shapes: dy and x the same shape -> dx. Not differentiable (no second-order gradients).
 *
 * @example
 * ```ts
 * const [dx] = runKernel(kernels.GeluBackward, [dy, x], { approximate: 'tanh' });
 * ```
 */
export const GeluBackward = defineKernel<{ approximate: GeluApproximation }>({
  name: 'GeluBackward',
  inputs: ['dy', 'x'],
  differentiable: false,
  infer: ([dy, x]) => {
    if (!isFloat(x!.dtype) || dy!.dtype !== x!.dtype) throw new DTypeError('GeluBackward', [dy!.dtype, x!.dtype], 'dy and x must share one floating-point dtype');
    if (!shapesEqual(dy!.shape, x!.shape)) throw new ShapeError('GeluBackward', [dy!.shape, x!.shape], 'dy must have the shape of x');
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
  decompose: ([dy, x], { approximate }, ops) => {
    if (approximate === 'tanh') {
      const c = Math.sqrt(2 / Math.PI);
      const x2 = ops.mul(x!, x!);
      const t = ops.tanh(ops.mul(ops.mul(x!, ops.add(ops.mul(x2, 0.044715), 1)), c));
      const dt = ops.mul(ops.sub(1, ops.mul(t, t)), ops.mul(ops.add(ops.mul(x2, 3 * 0.044715), 1), c));
      return [ops.mul(dy!, ops.add(ops.mul(ops.add(t, 1), 0.5), ops.mul(ops.mul(x!, 0.5), dt)))];
    }
    const cdf = ops.mul(ops.add(ops.erf(ops.mul(x!, Math.SQRT1_2)), 1), 0.5);
    const pdf = ops.mul(ops.exp(ops.mul(ops.mul(x!, x!), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return [ops.mul(dy!, ops.add(cdf, ops.mul(x!, pdf)))];
  },
});
