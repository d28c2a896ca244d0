/**
 * Kernels that move data (native/elementwise.cc copy, native/nn.cc gather):
 *
 *   Concat      y viewed as [outer, total, inner]; input i (any strides) lands at [start_i, start_i + n_i)
 *   Gather      weight [V, D], ids [...S] -> y [...S, D], y[s] = weight[ids[s]] (any dtype: rows are
 *               copied as stored, so float16/bfloat16 tables are read in place, `half: true`)
 *   ScatterAdd  dy [...S, D], ids [...S] -> y [rows, D], y[v] = sum_{s: ids[s] = v} dy[s]
 * Ids outside the table are an InvalidArgumentError naming the first one, as on the reference backend.
 */
import { InvalidArgumentError, kernels as K, type StorageArray, type TensorInfo } from '@tessera/tensor';
import { rowMajor } from '../addon.js';
import { nativeKernel, type NativeKernel } from './registration.js';

function checkIds(op: string, bad: number, ids: TensorInfo, idArray: StorageArray, rows: number): void {
  if (bad < 0) return;
  const id = idArray[ids.offset + bad]!;
  throw new InvalidArgumentError(op, `id ${id} at flat position ${bad} is outside [0, ${rows})`,
    'ids must index rows of the embedding table; check the tokenizer vocabulary size against the model');
}

export const memoryKernels: NativeKernel[] = [
  nativeKernel(K.Concat, ({ backend, inputs, outputs: [y], attrs: { axis } }) => {
    const yArray = backend.array(y!.handle);
    const strides = rowMajor(y!.shape);
    let start = 0;
    for (const x of inputs) {
      if (x.size > 0) {
        backend.call().push(start * strides[axis]!).view(x).push(...strides);
        backend.addon.copy(backend.array(x.handle), yArray);
      }
      start += x.shape[axis]!;
    }
  }),
  nativeKernel(K.Gather, ({ backend, inputs: [weight, ids], outputs: [y] }) => {
    backend.call().view(weight!).view(ids!);
    const idArray = backend.array(ids!.handle);
    const bad = backend.addon.gather(backend.array(weight!.handle), idArray, backend.array(y!.handle));
    checkIds('embedding', bad, ids!, idArray, weight!.shape[0]!);
  }, { half: true }), // rows are copied as stored: a float16/bfloat16 table needs no float32 copy
  nativeKernel(K.ScatterAdd, ({ backend, inputs: [dy, ids], outputs: [y], attrs: { rows } }) => {
    backend.call().push(rows).view(dy!).view(ids!);
    const idArray = backend.array(ids!.handle);
    const bad = backend.addon.scatterAdd(backend.array(dy!.handle), idArray, backend.array(y!.handle));
    checkIds('embedding gradient', bad, ids!, idArray, rows);
  }, { accumulates: true }),
];
