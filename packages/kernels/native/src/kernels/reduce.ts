/**
 * Reductions (native/reduce.cc) over sorted axes of a strided input; the reduced axes are removed
 * from the output shape.
 *
 *   Sum  y[o] = sum_r x[o, r]        Max/Min  y[o] = max_r / min_r x[o, r] (NaN propagates)
 *   LogSumExp  y[o] = m + log(sum_r exp(x[o, r] - m)), m = max_r x[o, r]
 *   ArgMax/ArgMin  y[o] = first index of the max/min along `axis` (int32)
 * float32 rows use SIMD; other dtypes accumulate in double, as the reference backend does.
 */
import { kernels as K, type KernelDef, type TensorInfo } from '@tessera/tensor';
import type { NativeBackend } from '../backend.js';
import { REDUCE, nativeKernel, type NativeKernel } from './registration.js';

function runReduce(backend: NativeBackend, op: number, x: TensorInfo, y: TensorInfo, axes: readonly number[]): void {
  let mask = 0;
  for (const axis of axes) mask += 2 ** axis;
  backend.call().push(op, mask).view(x);
  backend.addon.reduce(backend.array(x.handle), backend.array(y.handle));
}

function reduction(def: KernelDef<K.ReduceAttrs>, op: number): NativeKernel {
  return nativeKernel(def, ({ backend, inputs: [x], outputs: [y], attrs }) => runReduce(backend, op, x!, y!, attrs.axes));
}

function argReduction(def: KernelDef<{ axis: number }>, op: number): NativeKernel {
  return nativeKernel(def, ({ backend, inputs: [x], outputs: [y], attrs }) => runReduce(backend, op, x!, y!, [attrs.axis]));
}

export const reduceKernels: NativeKernel[] = [
  reduction(K.Sum, REDUCE.sum),
  reduction(K.Max, REDUCE.max),
  reduction(K.Min, REDUCE.min),
  reduction(K.LogSumExp, REDUCE.logSumExp),
  argReduction(K.ArgMax, REDUCE.argMax),
  argReduction(K.ArgMin, REDUCE.argMin),
];
