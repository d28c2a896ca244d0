/**
 * Reductions over any axes (a number, a list, or null/undefined for all), with keepDims.
 */
import { runKernel, scope } from '../engine.js';
import { DTypeError, InvalidArgumentError } from '../errors.js';
import { isFloat } from '../dtype.js';
import { defineGrad } from '../kernel.js';
import { ArgMax, ArgMin, Max, Min, Sum, type ReduceAttrs } from '../kernels/reduce.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { KernelDef } from '../kernel.js';
import { cast, div, eq, mul, sub } from './elementwise.js';
import { expand, reshape } from './shape.js';

/**
 * Axes to reduce over: one axis, a list, or null/undefined for all; negative counts from the end.
 *
 * @example
 * ```ts
 * const axes: Axes = [0, -1];
 * const s = sum(x, axes);
 * ```
 */
export type Axes = number | readonly number[] | null | undefined;

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/**
 * Run a reduction kernel over normalised `axis`, then restore the reduced dims if `keepDims`.
 *
 * @internal
 *
 * @example
 * ```ts
 * const y = reduce(kernels.Sum, 'sum', x, -1, true); // as sum(x, -1, true)
 * ```
 */
export function reduce(def: KernelDef<ReduceAttrs>, op: string, x: Tensor, axis: Axes, keepDims: boolean): Tensor {
  const axes = normalizeAxes(op, axis, x.rank);
  return scope(() => {
    const y = runKernel(def, [x], { axes })[0]!;
    return keepDims ? reshape(y, keptShape(x.shape, axes)) : y;
  });
}

/**
 * Sum over `axis` (all axes when omitted).
 *
 * @example
 * ```ts
 * sum(x);            // scalar
 * sum(x, [0, 2], true);
 * ```
 */
export function sum(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return reduce(Sum, 'sum', x.dtype === 'bool' ? cast(x, 'int32') : x, axis, keepDims);
}

/**
 * Mean over `axis` (all axes when omitted).
 *
 * @example
 * ```ts
 * const mu = mean(x, -1, true); // [B, T, 1]
 * const loss = mean(mul(d, d));   // scalar
 * ```
 */
export function mean(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  if (!isFloat(x.dtype)) throw new DTypeError('mean', [x.dtype], 'needs a floating-point input (the mean of integers is not an integer)', `cast first: x.cast('float32')`);
  const axes = normalizeAxes('mean', axis, x.rank);
  const count = sizeOf(axes.map((a) => x.shape[a]!));
  return scope(() => div(sum(x, axes, keepDims), count));
}

/**
 * Maximum over `axis`; the gradient goes to the maximal elements (shared evenly on ties).
 *
 * @example
 * ```ts
 * const m = max(logits, -1, true);
 * ```
 */
export function max(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return reduce(Max, 'max', x, axis, keepDims);
}

/**
 * Minimum over `axis`.
 *
 * @example
 * ```ts
 * const lowest = min(x);           // scalar
 * const perRow = min(x, 1);
 * ```
 */
export function min(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return reduce(Min, 'min', x, axis, keepDims);
}

function argReduce(def: typeof ArgMax, op: string, x: Tensor, axis: number, keepDims: boolean): Tensor {
  const a = normalizeAxis(op, axis, x.rank);
  return scope(() => {
    const y = runKernel(def, [x], { axis: a })[0]!;
    return keepDims ? reshape(y, keptShape(x.shape, [a])) : y;
  });
}

/**
 * Index (int32) of the first maximum along `axis`.
 *
 * @example
 * ```ts
 * const next = argmax(logits, -1); // [B, T] int32 token ids
 * ```
 */
export function argmax(x: Tensor, axis = -1, keepDims = false): Tensor {
  return argReduce(ArgMax, 'argmax', x, axis, keepDims);
}

/**
 * Index (int32) of the first minimum along `axis`.
 *
 * @example
 * ```ts
 * const nearest = argmin(distances, -1);
 * ```
 */
export function argmin(x: Tensor, axis = -1, keepDims = false): Tensor {
  return argReduce(ArgMin, 'argmin', x, axis, keepDims);
}

/**
 * Variance over `axis`, dividing by (n - correction): correction 1 (default, as torch.var) is
 * the unbiased estimate, 0 the biased one LayerNorm uses.
 *
 * @example
 * ```ts
 * const v = variance(x, -1, true, 0); // biased, as LayerNorm
 * const unbiased = variance(x);       // all elements, correction 1
 * ```
 */
export function variance(x: Tensor, axis?: Axes, keepDims = false, correction = 1): Tensor {
  const axes = normalizeAxes('variance', axis, x.rank);
  const n = sizeOf(axes.map((a) => x.shape[a]!));
  if (n - correction <= 0) throw new InvalidArgumentError('variance', `${n} element(s) with correction ${correction} leave no degrees of freedom`);
  return scope(() => {
    const centered = sub(x, mean(x, axes, true));
    return div(sum(mul(centered, centered), axes, keepDims), n - correction);
  });
}

/**
 * Broadcast a reduced tensor back over the reduced axes of x.
 *
 * @internal
 *
 * @example
 * ```ts
 * const g = expandBack(dy, x, [1]); // dy = sum(x, 1) gradient -> x.shape
 * ```
 */
export function expandBack(dy: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return expand(reshape(dy, keptShape(x.shape, axes)), x.shape);
}

defineGrad(Sum, ([dy], { inputs: [x], attrs: { axes } }) => [expandBack(dy!, x!, axes)]);
function extremumGrad(dy: Tensor, x: Tensor, y: Tensor, axes: readonly number[]): Tensor {
  const hit = cast(eq(x, expandBack(y, x, axes)), x.dtype);
  const count = expandBack(sum(hit, axes), x, axes);
  return div(mul(expandBack(dy, x, axes), hit), count);
}
defineGrad(Max, ([dy], { inputs: [x], outputs: [y], attrs: { axes } }) => [extremumGrad(dy!, x!, y!, axes)]);
defineGrad(Min, ([dy], { inputs: [x], outputs: [y], attrs: { axes } }) => [extremumGrad(dy!, x!, y!, axes)]);
