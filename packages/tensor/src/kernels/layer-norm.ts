/**
 * LayerNorm (composite) over the last `weight.rank` dims, biased variance, optional bias:
 *   y = (x - mean) / sqrt(var + eps) * weight (+ bias)
 * Shapes: x [..., *N], weight N, bias N (optional) -> y = x.shape.
 */
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { shapesEqual } from '../shape.js';
import { add, mul, rsqrt, sub } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';

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
  decompose: ([x, weight, bias], { eps }) => {
    const axes = weight!.shape.map((_, i) => x!.rank - weight!.rank + i);
    const centered = sub(x!, mean(x!, axes, true));
    const normalized = mul(centered, rsqrt(add(mean(mul(centered, centered), axes, true), eps)));
    const y = mul(normalized, weight!);
    return [bias ? add(y, bias) : y];
  },
});
