/**
 * Gather (embedding lookup) and its adjoint.
 *
 *   Gather     weight [V, D], ids int32 [...S] -> y [...S, D],  y[s, :] = weight[ids[s], :]
 *   ScatterAdd dy [...S, D], ids int32 [...S], rows V -> y [V, D],  y[v, :] = sum_{s: ids[s] = v} dy[s, :]
 *
 * Ids outside [0, V) are an error (InvalidArgumentError naming the first bad id and its position).
 */
import { DTypeError, ShapeError } from '../errors.js';
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { shapesEqual } from '../shape.js';

/**
 * Gather: rows of weight [V, D] picked by int32 ids [...S] -> [...S, D] (embedding lookup).
 *
 * @example
 * ```ts
 * const [x] = runKernel(kernels.Gather, [wte, ids], {});
 * ```
 */
export const Gather = defineKernel({
  name: 'Gather',
  inputs: ['weight', 'ids'],
  infer: ([weight, ids]) => {
    if (weight!.shape.length !== 2) throw new ShapeError('Gather', [weight!.shape, ids!.shape], 'weight must be [V, D]');
    if (ids!.dtype !== 'int32') throw new DTypeError('Gather', [ids!.dtype], 'ids must be int32', `cast them: ids.cast('int32')`);
    return [{ shape: [...ids!.shape, weight!.shape[1]!], dtype: weight!.dtype }];
  },
});

/**
 * ScatterAdd: the adjoint of Gather; adds each row of dy [...S, D] into row ids[s] of a [rows, D]
 * zero tensor.
 *
 * @example
 * ```ts
 * const [dWte] = runKernel(kernels.ScatterAdd, [dy, ids], { rows: vocabSize });
 * ```
 */
export const ScatterAdd = defineKernel<{ rows: number }>({
  name: 'ScatterAdd',
  inputs: ['dy', 'ids'],
  infer: ([dy, ids], { rows }) => {
    if (!shapesEqual(dy!.shape.slice(0, -1), ids!.shape)) {
      throw new ShapeError('ScatterAdd', [dy!.shape, ids!.shape], 'dy must be [...ids.shape, D]');
    }
    if (ids!.dtype !== 'int32') throw new DTypeError('ScatterAdd', [ids!.dtype], 'ids must be int32');
    if (!isFloat(dy!.dtype)) throw new DTypeError('ScatterAdd', [dy!.dtype], 'dy must be floating point');
    return [{ shape: [rows, dy!.shape[dy!.shape.length - 1]!], dtype: dy!.dtype }];
  },
});
