/**
 * Shape arithmetic: sizes, row-major strides, broadcasting, axis normalisation.
 * Shapes are plain `readonly number[]`; a scalar has shape `[]`.
 */
import { InvalidArgumentError, ShapeError } from './errors.js';

/**
 * A tensor shape: dimension sizes, outermost first. A scalar has shape `[]`.
 *
 * @example
 * ```ts
 * const shape: Shape = [batch, seqLen, 768];
 * const h = zeros(shape);
 * ```
 */
export type Shape = readonly number[];

/**
 * The number of elements of a shape (1 for a scalar, 0 when any dimension is 0).
 *
 * @example
 * ```ts
 * sizeOf([2, 3, 4]); // 24
 * sizeOf([]);        // 1
 * ```
 */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function rowMajorStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** True when a (shape, strides) view walks memory in row-major order without gaps. */
export function isContiguous(shape: Shape, strides: Shape): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/**
 * NumPy broadcasting of any number of shapes; throws ShapeError (naming `op`) when they do not
 * broadcast.
 *
 * @example
 * ```ts
 * broadcastShapes('add', [8, 1, 3], [4, 1]); // [8, 4, 3]
 * ```
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const shape of shapes) {
    for (let i = 0; i < shape.length; i++) {
      const d = shape[shape.length - 1 - i]!;
      const j = rank - 1 - i;
      const cur = out[j]!;
      if (d === cur || d === 1) continue;
      if (cur === 1) out[j] = d;
      else
        throw new ShapeError(op, shapes, `shapes cannot be broadcast together (dimension ${j} from the right is ${cur} vs ${d})`,
          'broadcasting matches dimensions from the right; each pair must be equal or one of them 1');
    }
  }
  return out;
}

/** Map a possibly negative axis into [0, rank). */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new InvalidArgumentError(op, `axis ${axis} is out of range for a tensor of rank ${rank}`,
      `use an axis in [${-rank}, ${Math.max(rank - 1, 0)}]`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalise a list of axes (undefined = all), sorted, without duplicates. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(out).size !== out.length) throw new InvalidArgumentError(op, `repeated axis in [${list.join(', ')}]`);
  return out.sort((a, b) => a - b);
}

export function assertValidShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new InvalidArgumentError(op, `invalid shape ${formatShape(shape)}: dimensions must be non-negative integers`);
    }
  }
}
