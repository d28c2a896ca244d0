/**
 * Shape ops. reshape/transpose/permute/slice/expand/squeeze/unsqueeze return views that share
 * storage (reshape copies only when the view's strides make a view impossible); concat, stack and
 * repeatInterleave copy.
 */
import { noGrad, runKernel, scope } from '../engine.js';
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { defineGrad } from '../kernel.js';
import { Concat } from '../kernels/concat.js';
import { Copy } from '../kernels/copy.js';
import { Alias, Expand, Permute, Reshape, Slice, reshapeStrides } from '../kernels/views.js';
import { formatShape, normalizeAxes, normalizeAxis, shapesEqual, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { zeros } from './creation.js';
import { sumToShape } from './elementwise.js';

function resolveShape(x: Tensor, shape: Shape): number[] {
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new ShapeError('reshape', [x.shape, shape], 'the new shape may contain non-negative integers and at most one -1');
  }
  if (unknown === 0) return [...shape];
  const known = sizeOf(shape.filter((d) => d !== -1));
  if (known === 0 || x.size % known !== 0) throw new ShapeError('reshape', [x.shape, shape], `cannot infer the -1 dimension for ${x.size} elements`);
  return shape.map((d) => (d === -1 ? x.size / known : d));
}

/**
 * Row-major reshape; one dimension may be -1. A view when the strides allow, else a copy.
 *
 * @example
 * ```ts
 * reshape(x, [B * T, -1]);
 * ```
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const target = resolveShape(x, shape);
  if (shapesEqual(target, x.shape)) return x;
  if (reshapeStrides(x.shape, x.strides, target)) return runKernel(Reshape, [x], { shape: target })[0]!;
  return scope(() => runKernel(Reshape, [contiguous(x, true)], { shape: target })[0]!);
}

/**
 * Reorder dimensions (a view).
 *
 * @example
 * ```ts
 * const heads = permute(reshape(q, [B, T, H, hd]), [0, 2, 1, 3]); // [B, H, T, hd]
 * ```
 */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  const normalized = axes.map((a) => normalizeAxis('permute', a, x.rank));
  return runKernel(Permute, [x], { axes: normalized })[0]!;
}

/**
 * Swap two dimensions (a view); defaults to the last two.
 *
 * @example
 * ```ts
 * const kT = transpose(k);        // [..., T, hd] -> [..., hd, T]
 * const y = transpose(x, 0, 1);
 * ```
 */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const a = normalizeAxis('transpose', axis0, x.rank);
  const b = normalizeAxis('transpose', axis1, x.rank);
  const axes = x.shape.map((_, i) => i);
  axes[a] = b;
  axes[b] = a;
  return permute(x, axes);
}

/**
 * Elements `start <= i < end` along `axis` (a view). Negative indices count from the end.
 *
 * @example
 * ```ts
 * const q = slice(qkv, -1, 0, d);
 * ```
 */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const a = normalizeAxis('slice', axis, x.rank);
  const n = x.shape[a]!;
  const from = start < 0 ? start + n : start;
  const to = end === undefined ? n : end < 0 ? end + n : end;
  return runKernel(Slice, [x], { axis: a, start: from, end: to })[0]!;
}

/**
 * Broadcast size-1 (or missing leading) dims to `shape` (a view with stride 0).
 *
 * @example
 * ```ts
 * const b = expand(bias, [B, C]); // bias [C] or [1, C]
 * ```
 */
export function expand(x: Tensor, shape: Shape): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  return runKernel(Expand, [x], { shape: [...shape] })[0]!;
}

/**
 * Remove size-1 dims (all of them, or the given ones).
 *
 * @example
 * ```ts
 * squeeze(zeros([1, 3, 1]));    // [3]
 * squeeze(zeros([1, 3, 1]), 0); // [3, 1]
 * ```
 */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, x.rank);
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new ShapeError('squeeze', [x.shape], `axis ${a} has size ${x.shape[a]}, not 1`);
  }
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Insert a size-1 dim at `axis` (negative counts from the end of the result).
 *
 * @example
 * ```ts
 * const mask = unsqueeze(padMask, 1); // [B, T] -> [B, 1, T]
 * ```
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('unsqueeze', axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/**
 * A contiguous tensor with the same values: `x` itself when already contiguous, unless `copy`.
 *
 * @example
 * ```ts
 * const y = contiguous(transpose(x)); // a row-major copy of the transposed view
 * const clone = contiguous(x, true);
 * ```
 */
export function contiguous(x: Tensor, copy = false): Tensor {
  if (!copy && x.isContiguous) return x;
  return runKernel(Copy, [x], {})[0]!;
}

/**
 * The same values, cut off from autograd (shares storage).
 *
 * @example
 * ```ts
 * const target = detach(teacherLogits); // a constant in the loss
 * ```
 */
export function detach(x: Tensor): Tensor {
  return noGrad(() => runKernel(Alias, [x], {})[0]!);
}

/**
 * A new identity for the same view (autograd inputs).
 *
 * @internal
 *
 * @example
 * ```ts
 * const a = alias(x); // same storage and view, a distinct tensor
 * ```
 */
export function alias(x: Tensor): Tensor {
  return runKernel(Alias, [x], {})[0]!;
}

/**
 * Join tensors along an existing axis.
 *
 * @example
 * ```ts
 * const kv = concat([pastK, k], 2);
 * ```
 */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new InvalidArgumentError('concat', 'needs at least one tensor');
  const a = normalizeAxis('concat', axis, xs[0]!.rank);
  if (xs.length === 1) return xs[0]!;
  return runKernel(Concat, xs, { axis: a })[0]!;
}

/**
 * Join tensors of one shape along a new axis.
 *
 * @example
 * ```ts
 * const batch = stack([a, b, c]); // three [T] -> [3, T]
 * ```
 */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new InvalidArgumentError('stack', 'needs at least one tensor');
  const a = normalizeAxis('stack', axis, xs[0]!.rank + 1);
  for (const x of xs) {
    if (!shapesEqual(x.shape, xs[0]!.shape)) throw new ShapeError('stack', xs.map((t) => t.shape), 'all tensors must have the same shape');
  }
  return scope(() => runKernel(Concat, xs.map((x) => unsqueeze(x, a)), { axis: a })[0]!);
}

/**
 * Split along `axis` into pieces of the given sizes, or into `count` equal pieces (views).
 *
 * @example
 * ```ts
 * const [q, k, v] = split(qkv, [d, kvd, kvd], -1);
 * ```
 */
export function split(x: Tensor, sizesOrCount: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis('split', axis, x.rank);
  const n = x.shape[a]!;
  let sizes: readonly number[];
  if (typeof sizesOrCount === 'number') {
    if (!Number.isInteger(sizesOrCount) || sizesOrCount <= 0 || n % sizesOrCount !== 0) {
      throw new InvalidArgumentError('split', `cannot split axis of size ${n} into ${sizesOrCount} equal pieces`, 'use chunk() for uneven pieces');
    }
    sizes = new Array<number>(sizesOrCount).fill(n / sizesOrCount);
  } else sizes = sizesOrCount;
  if (sizes.reduce((s, v) => s + v, 0) !== n) {
    throw new ShapeError('split', [x.shape], `sizes [${sizes.join(', ')}] do not add up to ${n} (axis ${a})`);
  }
  let start = 0;
  return sizes.map((size) => slice(x, a, start, (start += size)));
}

/**
 * Split into `chunks` pieces of size ceil(n / chunks) (the last may be smaller), as torch.chunk.
 *
 * @example
 * ```ts
 * const [q, k, v] = chunk(qkv, 3, -1);
 * ```
 */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  const a = normalizeAxis('chunk', axis, x.rank);
  const n = x.shape[a]!;
  const size = Math.ceil(n / chunks);
  const sizes: number[] = [];
  for (let start = 0; start < n; start += size) sizes.push(Math.min(size, n - start));
  return split(x, sizes, a);
}

/**
 * Repeat each slice along `axis` `repeats` times: [a, b] -> [a, a, b, b].
 *
 * @example
 * ```ts
 * const kRep = repeatInterleave(k, nHead / nKvHead, 1); // [B, Hkv, T, hd] -> [B, H, T, hd]
 * ```
 */
export function repeatInterleave(x: Tensor, repeats: number, axis: number): Tensor {
  const a = normalizeAxis('repeatInterleave', axis, x.rank);
  if (!Number.isInteger(repeats) || repeats < 1) throw new InvalidArgumentError('repeatInterleave', `repeats must be a positive integer, got ${repeats}`);
  return scope(() => {
    const shape = [...x.shape];
    const expanded = [...shape.slice(0, a + 1), repeats, ...shape.slice(a + 1)];
    shape[a] = shape[a]! * repeats;
    return reshape(expand(unsqueeze(x, a + 1), expanded), shape);
  });
}

/**
 * Flatten dims [start, end] into one.
 *
 * @example
 * ```ts
 * flatten(x);    // [B, C, H, W] -> [B * C * H * W]
 * flatten(x, 1); // [B, C, H, W] -> [B, C * H * W]
 * ```
 */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  const s = normalizeAxis('flatten', start, x.rank);
  const e = normalizeAxis('flatten', end, x.rank);
  if (e < s) throw new InvalidArgumentError('flatten', `end axis ${end} comes before start axis ${start} (shape ${formatShape(x.shape)})`);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

defineGrad(Reshape, ([dy], { inputs: [x] }) => [reshape(dy!, x!.shape)]);
defineGrad(Permute, ([dy], { attrs: { axes } }) => {
  const inverse = new Array<number>(axes.length);
  axes.forEach((a, i) => (inverse[a] = i));
  return [permute(dy!, inverse)];
});
defineGrad(Slice, ([dy], { inputs: [x], attrs: { axis, start, end } }) => {
  const parts: Tensor[] = [];
  const n = x!.shape[axis]!;
  const padShape = (size: number): number[] => x!.shape.map((d, i) => (i === axis ? size : d));
  if (start > 0) parts.push(zeros(padShape(start), dy!.dtype));
  parts.push(dy!);
  if (end < n) parts.push(zeros(padShape(n - end), dy!.dtype));
  return [concat(parts, axis)];
});
defineGrad(Expand, ([dy], { inputs: [x] }) => [sumToShape(dy!, x!.shape)]);
defineGrad(Alias, ([dy]) => [dy!]);
defineGrad(Copy, ([dy]) => [dy!]);
defineGrad(Concat, ([dy], { inputs, attrs: { axis } }) => {
  let start = 0;
  return inputs.map((x) => slice(dy!, axis, start, (start += x.shape[axis]!)));
});
