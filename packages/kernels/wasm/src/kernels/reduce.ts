/**
 * Reductions. float32 Sum, Max, Min and LogSumExp run in WASM (assembly/reduce.ts) when the kept
 * axes and the reduced axes each collapse to one strided dimension (x seen as [O, R]: a row
 * reduction, a column reduction such as a bias gradient, or a whole-tensor sum); other layouts,
 * ArgMax/ArgMin and other dtypes run the reference loops.
 *
 *   Sum  y[o] = sum_r x[o, r]     Max/Min  y[o] = max_r / min_r x[o, r] (NaN propagates)
 *   LogSumExp  y[o] = m + log(sum_r exp(x[o, r] - m)), m = max_r x[o, r]
 */
import { kernels as K, type KernelDef, type TensorInfo } from '@tessera/tensor';
import type { WasmBackend } from '../backend.js';
import { runReference } from './reference.js';
import { REDUCE, wasmKernel, type WasmKernel } from './registration.js';
import { collapse, elementAddress } from './strided.js';

/** Reduce in WASM when the layout allows; false when the caller must fall back. */
function runReduce(backend: WasmBackend, op: number, x: TensorInfo, y: TensorInfo, axes: readonly number[]): boolean {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outer = collapse(kept.map((i) => x.shape[i]!), [kept.map((i) => x.strides[i]!)]);
  const inner = collapse(axes.map((i) => x.shape[i]!), [axes.map((i) => x.strides[i]!)]);
  if (outer.shape.length !== 1 || inner.shape.length !== 1) return false;
  const O = y.size;
  const R = axes.reduce((n, i) => n * x.shape[i]!, 1);
  const so = O === 1 ? 0 : outer.strides[0]![0]!;
  const sr = R <= 1 ? 1 : inner.strides[0]![0]!;
  if (O === 0) return true;
  backend.exports.reduce(op, elementAddress(backend.address(x.handle), x), backend.address(y.handle), O, so, R, sr);
  return true;
}

function reduction(def: KernelDef<K.ReduceAttrs>, op: number): WasmKernel {
  return wasmKernel(def, (context) => {
    const { backend, inputs: [x], outputs: [y], attrs } = context;
    if (x!.dtype === 'float32' && y!.dtype === 'float32' && runReduce(backend, op, x!, y!, attrs.axes)) return;
    runReference(def, context);
  });
}

export const reduceKernels: WasmKernel[] = [
  reduction(K.Sum, REDUCE.sum),
  reduction(K.Max, REDUCE.max),
  reduction(K.Min, REDUCE.min),
  reduction(K.LogSumExp, REDUCE.logSumExp),
];
