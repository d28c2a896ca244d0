/**
 * View kernels: new (shape, strides, offset) over the same storage, no copy, no backend call.
 *
 *   Reshape  row-major reshape of a view whose strides allow it (ops copy first otherwise)
 *   Permute  y.shape[i] = x.shape[axes[i]]
 *   Slice    y = x[..., start:end, ...] along one axis
 *   Expand   broadcast size-1 (or missing leading) dims to `shape` with stride 0
 *   Alias    the same view under a new identity (detach, autograd inputs)
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { defineKernel } from '../kernel.js';
import { sizeOf } from '../shape.js';

/**
 * Strides for viewing (shape, strides) as `target` without copying, or null when the view's
 * memory layout does not allow it. Old dims are grouped, from the right, into chunks that are
 * contiguous with each other; each chunk must be covered exactly by consecutive target dims.
 */
export function reshapeStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] | null {
  const out = new Array<number>(target.length).fill(1);
  if (sizeOf(shape) === 0) return out.map((_, i) => sizeOf(target.slice(i + 1)));
  const dims: number[] = [];
  const dimStrides: number[] = [];
  shape.forEach((d, i) => {
    if (d !== 1) {
      dims.push(d);
      dimStrides.push(strides[i]!);
    }
  });
  let oi = dims.length - 1;
  let ni = target.length - 1;
  while (ni >= 0) {
    if (target[ni] === 1) {
      ni--;
      continue;
    }
    if (oi < 0) return null;
    let oj = oi;
    let chunk = dims[oi]!;
    let product = 1;
    let stride = dimStrides[oi]!;
    for (;;) {
      while (ni >= 0 && product < chunk) {
        out[ni] = stride;
        stride *= target[ni]!;
        product *= target[ni]!;
        ni--;
      }
      if (product === chunk) break;
      if (oj > 0 && dimStrides[oj - 1] === dimStrides[oj]! * dims[oj]!) chunk *= dims[--oj]!;
      else return null;
    }
    oi = oj - 1;
  }
  return oi < 0 ? out : null;
}

/**
 * Reshape (view): row-major reshape of a view whose strides allow it.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Reshape, [zeros([6])], { shape: [2, 3] });
 * ```
 */
export const Reshape = defineKernel<{ shape: readonly number[] }>({
  name: 'Reshape',
  inputs: ['x'],
  half: true,
  infer: ([x], { shape }) => {
    if (sizeOf(shape) !== sizeOf(x!.shape)) throw new ShapeError('Reshape', [x!.shape, shape], 'the element counts differ');
    return [{ shape, dtype: x!.dtype }];
  },
  view: (x, { shape }) => {
    const strides = reshapeStrides(x.shape, x.strides, shape);
    if (!strides) throw new Error('internal: Reshape of a view that needs a copy; ops copy first');
    return { shape, strides, offset: x.offset };
  },
});

/**
 * Permute (view): y.shape[i] = x.shape[axes[i]].
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Permute, [x], { axes: [1, 0] }); // transpose of a matrix
 * ```
 */
export const Permute = defineKernel<{ axes: readonly number[] }>({
  name: 'Permute',
  inputs: ['x'],
  half: true,
  infer: ([x], { axes }) => {
    const rank = x!.shape.length;
    if (axes.length !== rank || [...axes].sort((a, b) => a - b).some((a, i) => a !== i)) {
      throw new InvalidArgumentError('Permute', `axes [${axes.join(', ')}] are not a permutation of 0..${rank - 1}`);
    }
    return [{ shape: axes.map((a) => x!.shape[a]!), dtype: x!.dtype }];
  },
  view: (x, { axes }) => ({ shape: axes.map((a) => x.shape[a]!), strides: axes.map((a) => x.strides[a]!), offset: x.offset }),
});

/**
 * Slice (view): elements start <= i < end along a non-negative `axis`.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Slice, [x], { axis: 0, start: 1, end: 3 });
 * ```
 */
export const Slice = defineKernel<{ axis: number; start: number; end: number }>({
  name: 'Slice',
  inputs: ['x'],
  half: true,
  infer: ([x], { axis, start, end }) => {
    const n = x!.shape[axis];
    if (n === undefined || !(0 <= start && start <= end && end <= n)) {
      throw new InvalidArgumentError('Slice', `range [${start}, ${end}) on axis ${axis} is outside the tensor's shape [${x!.shape.join(', ')}]`);
    }
    const shape = [...x!.shape];
    shape[axis] = end - start;
    return [{ shape, dtype: x!.dtype }];
  },
  view: (x, { axis, start, end }) => {
    const shape = [...x.shape];
    shape[axis] = end - start;
    return { shape, strides: x.strides, offset: x.offset + start * x.strides[axis]! };
  },
});

/**
 * Expand (view): broadcast size-1 or missing leading dims to `shape` with stride 0.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Expand, [tensor([1, 2, 3])], { shape: [4, 3] });
 * ```
 */
export const Expand = defineKernel<{ shape: readonly number[] }>({
  name: 'Expand',
  inputs: ['x'],
  half: true,
  infer: ([x], { shape }) => {
    const lead = shape.length - x!.shape.length;
    const ok = lead >= 0 && x!.shape.every((d, i) => d === shape[lead + i] || d === 1);
    if (!ok) throw new ShapeError('Expand', [x!.shape, shape], 'only size-1 or missing leading dimensions can be expanded');
    return [{ shape, dtype: x!.dtype }];
  },
  view: (x, { shape }) => {
    const lead = shape.length - x.shape.length;
    const strides = shape.map((d, i) => (i < lead || x.shape[i - lead] !== d ? 0 : x.strides[i - lead]!));
    return { shape, strides, offset: x.offset };
  },
});

/**
 * Alias (view): the same view under a new tensor identity.
 *
 * @example
 * ```ts
 * const [a] = runKernel(kernels.Alias, [x], {});
 * ```
 */
export const Alias = defineKernel({
  name: 'Alias',
  inputs: ['x'],
  half: true,
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  view: (x) => ({ shape: x.shape, strides: x.strides, offset: x.offset }),
});
