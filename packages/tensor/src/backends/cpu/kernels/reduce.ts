/**
 * Reductions: x viewed as (kept dims) x (reduced dims); y[o] = reduce_r x[outer[o] + inner[r]].
 * Accumulation in float64.
 */
import type { TensorInfo } from '../../../backend.js';
import { LogSumExp } from '../../../kernels/logsumexp.js';
import { ArgMax, ArgMin, Max, Min, Sum } from '../../../kernels/reduce.js';
import type { CpuBackend } from '../backend.js';
import { cpuKernel, type CpuKernel } from '../registration.js';
import { offsetsOf } from '../strided.js';

function split(x: TensorInfo, axes: readonly number[]): { outer: Int32Array; inner: Int32Array } {
  const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  return {
    outer: offsetsOf(keep.map((i) => x.shape[i]!), keep.map((i) => x.strides[i]!), x.offset),
    inner: offsetsOf(axes.map((i) => x.shape[i]!), axes.map((i) => x.strides[i]!), 0),
  };
}

function reduceWith(
  backend: CpuBackend, x: TensorInfo, y: TensorInfo, axes: readonly number[],
  row: (xs: ArrayLike<number>, base: number, inner: Int32Array) => number,
): void {
  const xs = backend.array(x.handle);
  const ys = backend.array(y.handle);
  const { outer, inner } = split(x, axes);
  for (let o = 0; o < outer.length; o++) ys[o] = row(xs, outer[o]!, inner);
}

function sumRow(xs: ArrayLike<number>, base: number, inner: Int32Array): number {
  let acc = 0;
  for (let r = 0; r < inner.length; r++) acc += xs[base + inner[r]!]!;
  return acc;
}

function maxRow(xs: ArrayLike<number>, base: number, inner: Int32Array): number {
  let acc = -Infinity;
  for (let r = 0; r < inner.length; r++) {
    const v = xs[base + inner[r]!]!;
    if (v > acc || Number.isNaN(v)) acc = v;
    if (Number.isNaN(acc)) break;
  }
  return acc;
}

function minRow(xs: ArrayLike<number>, base: number, inner: Int32Array): number {
  let acc = Infinity;
  for (let r = 0; r < inner.length; r++) {
    const v = xs[base + inner[r]!]!;
    if (v < acc || Number.isNaN(v)) acc = v;
    if (Number.isNaN(acc)) break;
  }
  return acc;
}

function argRow(better: (v: number, best: number) => boolean) {
  return (xs: ArrayLike<number>, base: number, inner: Int32Array): number => {
    let best = xs[base + inner[0]!]!;
    let index = 0;
    for (let r = 1; r < inner.length; r++) {
      const v = xs[base + inner[r]!]!;
      if (Number.isNaN(best)) break;
      if (better(v, best) || Number.isNaN(v)) {
        best = v;
        index = r;
      }
    }
    return index;
  };
}

function logSumExpRow(xs: ArrayLike<number>, base: number, inner: Int32Array): number {
  const m = maxRow(xs, base, inner);
  if (!Number.isFinite(m)) return m === -Infinity ? -Infinity : m;
  let acc = 0;
  for (let r = 0; r < inner.length; r++) acc += Math.exp(xs[base + inner[r]!]! - m);
  return m + Math.log(acc);
}

export const reduceKernels: CpuKernel[] = [
  cpuKernel(Sum, ({ backend, inputs: [x], outputs: [y], attrs }) => reduceWith(backend, x!, y!, attrs.axes, sumRow)),
  cpuKernel(Max, ({ backend, inputs: [x], outputs: [y], attrs }) => reduceWith(backend, x!, y!, attrs.axes, maxRow)),
  cpuKernel(Min, ({ backend, inputs: [x], outputs: [y], attrs }) => reduceWith(backend, x!, y!, attrs.axes, minRow)),
  cpuKernel(LogSumExp, ({ backend, inputs: [x], outputs: [y], attrs }) => reduceWith(backend, x!, y!, attrs.axes, logSumExpRow)),
  cpuKernel(ArgMax, ({ backend, inputs: [x], outputs: [y], attrs }) => reduceWith(backend, x!, y!, [attrs.axis], argRow((v, b) => v > b))),
  cpuKernel(ArgMin, ({ backend, inputs: [x], outputs: [y], attrs }) => reduceWith(backend, x!, y!, [attrs.axis], argRow((v, b) => v < b))),
];
