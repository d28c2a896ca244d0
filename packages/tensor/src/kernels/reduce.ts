/**
 * Reductions over a sorted list of axes; the reduced axes are removed from the output shape
 * (ops add keepDims back with a reshape).
 *
 *   Sum  y[o] = sum_r x[o, r]       Max/Min  y[o] = max_r / min_r x[o, r]
 *   ArgMax/ArgMin  y[o] = first index along `axis` of the max/min (int32)
 */
import { DTypeError, InvalidArgumentError } from '../errors.js';
import { defineKernel, type KernelDef } from '../kernel.js';

/**
 * Attributes of Sum, Max, Min and LogSumExp: sorted, distinct, non-negative axes.
 *
 * @example
 * ```ts
 * const attrs: kernels.ReduceAttrs = { axes: [0, 2] };
 * const [y] = runKernel(kernels.Sum, [x], attrs);
 * ```
 */
export interface ReduceAttrs {
  axes: readonly number[];
}

function reduced(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

function reduction(name: string): KernelDef<ReduceAttrs> {
  return defineKernel<ReduceAttrs>({
    name,
    inputs: ['x'],
    strided: true,
    infer: ([x], { axes }) => {
      if (x!.dtype === 'bool') throw new DTypeError(name, [x!.dtype], 'does not accept bool', `cast first: x.cast('int32')`);
      if (name !== 'Sum' && axes.some((a) => x!.shape[a] === 0)) {
        throw new InvalidArgumentError(name, 'cannot reduce over an empty axis', 'max/min of nothing is undefined');
      }
      return [{ shape: reduced(x!.shape, axes), dtype: x!.dtype }];
    },
  });
}

/**
 * Sum over `axes` (reduced axes are removed from the shape).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Sum, [x], { axes: [1] }); // [B, C] -> [B]
 * ```
 */
export const Sum = reduction('Sum');
/**
 * Max over `axes` (reduced axes are removed from the shape).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Max, [x], { axes: [x.rank - 1] });
 * ```
 */
export const Max = reduction('Max');
/**
 * Min over `axes` (reduced axes are removed from the shape).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Min, [x], { axes: [0] });
 * ```
 */
export const Min = reduction('Min');

function argReduction(name: string): KernelDef<{ axis: number }> {
  return defineKernel<{ axis: number }>({
    name,
    inputs: ['x'],
    strided: true,
    differentiable: false,
    infer: ([x], { axis }) => {
      if (x!.dtype === 'bool') throw new DTypeError(name, [x!.dtype], 'does not accept bool');
      if (x!.shape[axis] === 0) throw new InvalidArgumentError(name, 'cannot reduce over an empty axis');
      return [{ shape: reduced(x!.shape, [axis]), dtype: 'int32' }];
    },
  });
}

/**
 * ArgMax: int32 index of the first maximum along `axis` (not differentiable).
 *
 * @example
 * ```ts
 * const [ids] = runKernel(kernels.ArgMax, [logits], { axis: logits.rank - 1 });
 * ```
 */
export const ArgMax = argReduction('ArgMax');
/**
 * ArgMin: int32 index of the first minimum along `axis` (not differentiable).
 *
 * @example
 * ```ts
 * const [idx] = runKernel(kernels.ArgMin, [x], { axis: 0 });
 * ```
 */
export const ArgMin = argReduction('ArgMin');
