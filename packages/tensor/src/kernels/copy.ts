/**
 * Copy: y = x as a fresh contiguous tensor (row-major), from any strided view.
 * Shapes: y.shape = x.shape, same dtype. Used by `contiguous()` and by the engine for kernels
 * that need contiguous inputs.
 */
import { defineKernel } from '../kernel.js';

/**
 * Copy: a fresh contiguous (row-major) tensor with x's values, from any strided view.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Copy, [transpose(x)], {});
 * ```
 */
export const Copy = defineKernel({
  name: 'Copy',
  inputs: ['x'],
  strided: true,
  half: true,
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
});
