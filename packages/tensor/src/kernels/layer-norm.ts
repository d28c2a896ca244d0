/**
 * LayerNorm (composite) over the last `weight.rank` dims, biased variance, optional bias:
 *   y = (x - mean) / sqrt(var + eps) * weight (+ bias)
 * Shapes: x [..., *N], weight N, bias N (optional) -> y = x.shape.
 */
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { shapesEqual } from '../shape.js';

/**
 * LayerNorm (composite): normalise over the trailing `weight.rank` dims, scale, optionally shift.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.LayerNorm, [x, weight, bias], { eps: 1e-5 }); // or [x, weight]
 * ```
 */
export const LayerNorm = defineKernel<{ eps: number }>({
  name: 'LayerNorm',
  inputs: ['x', 'weight', 'bias'],
  variadic: true,
  infer: (inputs) => {
    const [x, weight, bias] = inputs;
    if (!x || !weight || inputs.length > 3) throw new ShapeError('LayerNorm', inputs.map((t) => t.shape), 'expected inputs x, weight and optionally bias');
    const n = weight.shape.length;
    if (n === 0 || !shapesEqual(x.shape.slice(x.shape.length - n), weight.shape) || (bias && !shapesEqual(bias.shape, weight.shape))) {
      throw new ShapeError('LayerNorm', inputs.map((t) => t.shape), 'weight (and bias) must equal the trailing dims of x');
    }
    if (!isFloat(x.dtype) || inputs.some((t) => t.dtype !== x.dtype)) {
      throw new DTypeError('LayerNorm', inputs.map((t) => t.dtype), 'inputs must share one floating-point dtype');
    }
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  decompose: ([x, weight, bias], { eps }, ops) => {
    const axes = weight!.shape.map((_, i) => x!.rank - weight!.rank + i);
    const centered = ops.sub(x!, ops.mean(x!, axes, true));
    const normalized = ops.mul(centered, ops.rsqrt(ops.add(ops.mean(ops.mul(centered, centered), axes, true), eps)));
    const y = ops.mul(normalized, weight!);
    return [bias ? ops.add(y, bias) : y];
  },
});
