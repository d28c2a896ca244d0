/**
 * Matmul: batched matrix product. a [...batch, M, K], b [...batch, K, N] -> y [...batch, M, N]
 * y[..., m, n] = sum_k a[..., m, k] * b[..., k, n]. Batch dims are equal (ops broadcast them
 * with stride-0 views); inputs may be any strided view, including transposed ones.
 */
import { DTypeError, ShapeError } from '../errors.js';
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { shapesEqual } from '../shape.js';

/**
 * Matmul: a [...batch, M, K] @ b [...batch, K, N] -> [...batch, M, N], equal batch dims.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Matmul, [a, b], {}); // [M, K] @ [K, N]
 * ```
 */
export const Matmul = defineKernel({
  name: 'Matmul',
  inputs: ['a', 'b'],
  strided: true,
  infer: ([a, b]) => {
    const as = a!.shape;
    const bs = b!.shape;
    if (as.length < 2 || as.length !== bs.length || !shapesEqual(as.slice(0, -2), bs.slice(0, -2)) || as[as.length - 1] !== bs[bs.length - 2]) {
      throw new ShapeError('Matmul', [as, bs], 'expected a [...batch, M, K] and b [...batch, K, N]');
    }
    if (a!.dtype !== b!.dtype || !isFloat(a!.dtype)) {
      throw new DTypeError('Matmul', [a!.dtype, b!.dtype], 'inputs must share one floating-point dtype', 'cast both to float32');
    }
    return [{ shape: [...as.slice(0, -1), bs[bs.length - 1]!], dtype: a!.dtype }];
  },
});
