/**
 * Concat: join one or more tensors along `axis`; all other dims equal, one dtype.
 * y[..., offset_i + j, ...] = x_i[..., j, ...]
 */
import { DTypeError, ShapeError } from '../errors.js';
import { defineKernel } from '../kernel.js';

/**
 * Concat: join one or more tensors along `axis` (non-negative); other dims equal, one dtype.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Concat, [a, b, c], { axis: 0 });
 * ```
 */
export const Concat = defineKernel<{ axis: number }>({
  name: 'Concat',
  inputs: ['x'],
  variadic: true,
  strided: true,
  half: true,
  infer: (inputs, { axis }) => {
    const first = inputs[0]!;
    const shapes = inputs.map((t) => t.shape);
    for (const t of inputs) {
      if (t.shape.length !== first.shape.length || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        throw new ShapeError('Concat', shapes, `all dimensions except axis ${axis} must match`);
      }
      if (t.dtype !== first.dtype) throw new DTypeError('Concat', inputs.map((x) => x.dtype), 'inputs must share one dtype');
    }
    const shape = [...first.shape];
    shape[axis] = inputs.reduce((n, t) => n + t.shape[axis]!, 0);
    return [{ shape, dtype: first.dtype }];
  },
});
