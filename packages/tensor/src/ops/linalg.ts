/**
 * Matrix products: matmul with batching and broadcasting (as torch.matmul), linear (x W^T + b).
 */
import { runKernel, scope } from '../engine.js';
import { ShapeError } from '../errors.js';
import { defineGrad } from '../kernel.js';
import { Matmul } from '../kernels/matmul.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from './elementwise.js';
import { expand, reshape, squeeze, transpose, unsqueeze } from './shape.js';

/**
 * Matrix product of the last two dims; leading dims broadcast; 1-D operands are treated as a row
 * (left) or column (right) vector and that dim is removed from the result.
 *
 * @example
 * ```ts
 * const y = matmul(x, w);          // [B, T, C] @ [C, O] -> [B, T, O]
 * const s = matmul(q, transpose(k)); // [B, H, T, hd] @ [B, H, hd, T]
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 0 || b.rank === 0) throw new ShapeError('matmul', [a.shape, b.shape], 'operands must have at least one dimension');
  return scope(() => {
    if (a.rank === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
    if (b.rank === 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
    const [M, K] = a.shape.slice(-2) as [number, number];
    const [K2, N] = b.shape.slice(-2) as [number, number];
    if (K !== K2) throw new ShapeError('matmul', [a.shape, b.shape], `inner dimensions differ (${K} vs ${K2})`);
    // A shared right-hand matrix: one large product instead of many small ones.
    if (b.rank === 2 && a.rank > 2) {
      const y = runKernel(Matmul, [reshape(a, [-1, K]), b], {})[0]!;
      return reshape(y, [...a.shape.slice(0, -1), N]);
    }
    const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    return runKernel(Matmul, [expand(a, [...batch, M, K]), expand(b, [...batch, K, N])], {})[0]!;
  });
}

/**
 * x W^T (+ bias), with W stored [out, in] as in PyTorch.
 *
 * @example
 * ```ts
 * const qkv = linear(x, wqkv);    // [B, T, C] -> [B, T, 3C]
 * const y = linear(x, w, b);      // w [out, in], b [out]
 * ```
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  return scope(() => {
    const y = matmul(x, transpose(weight));
    return bias ? add(y, bias) : y;
  });
}

defineGrad(Matmul, ([dy], { inputs: [a, b] }) => [matmul(dy!, transpose(b!)), matmul(transpose(a!), dy!)]);
