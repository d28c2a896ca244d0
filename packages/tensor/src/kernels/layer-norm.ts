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

/**
 * LayerNormBackward (composite): the gradients of {@link LayerNorm} with respect to x, weight
 * and (when `bias` is true) bias, given the upstream dy. With xhat = (x - mean) * rstd over the
 * trailing `weight.rank` dims and g = dy * weight:
 *   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  dweight = sum_rows dy * xhat,  dbias = sum_rows dy
 * Shapes: dy, x [..., *N], weight N -> dx [..., *N], dweight N (, dbias N). Not differentiable.
 *
 * @example
 * ```ts
 * const [dx, dweight, dbias] = runKernel(kernels.LayerNormBackward, [dy, x, weight], { eps: 1e-5, bias: true });
 * ```
 */
export const LayerNormBackward = defineKernel<{ eps: number; bias: boolean }>({
  name: 'LayerNormBackward',
  inputs: ['dy', 'x', 'weight'],
  differentiable: false,
  infer: (inputs, { bias }) => {
    const [dy, x, weight] = inputs;
    const n = weight!.shape.length;
    if (n === 0 || !shapesEqual(dy!.shape, x!.shape) || !shapesEqual(x!.shape.slice(x!.shape.length - n), weight!.shape)) {
      throw new ShapeError('LayerNormBackward', inputs.map((t) => t.shape), 'dy must have the shape of x, and weight equal the trailing dims of x');
    }
    if (!isFloat(x!.dtype) || inputs.some((t) => t.dtype !== x!.dtype)) {
      throw new DTypeError('LayerNormBackward', inputs.map((t) => t.dtype), 'inputs must share one floating-point dtype');
    }
    const param = { shape: weight!.shape, dtype: x!.dtype };
    return bias ? [{ shape: x!.shape, dtype: x!.dtype }, param, param] : [{ shape: x!.shape, dtype: x!.dtype }, param];
  },
  decompose: ([dy, x, weight], { eps, bias }, ops) => {
    const axes = weight!.shape.map((_, i) => x!.rank - weight!.rank + i);
    const centered = ops.sub(x!, ops.mean(x!, axes, true));
    const rstd = ops.rsqrt(ops.add(ops.mean(ops.mul(centered, centered), axes, true), eps));
    const xhat = ops.mul(centered, rstd);
    const g = ops.mul(dy!, weight!);
    const dx = ops.mul(rstd, ops.sub(ops.sub(g, ops.mean(g, axes, true)), ops.mul(xhat, ops.mean(ops.mul(g, xhat), axes, true))));
    const grads = [dx, ops.sumToShape(ops.mul(dy!, xhat), weight!.shape)];
    if (bias) grads.push(ops.sumToShape(dy!, weight!.shape));
    return grads;
  },
});
