/**
 * Embedding lookup and its adjoint for float32 tables (assembly/nn.ts); other dtypes run the
 * reference loops. Inputs arrive contiguous (with an offset).
 *
 *   Gather      weight [V, D], ids [...S] -> y [...S, D], y[s] = weight[ids[s]]
 *   ScatterAdd  dy [...S, D], ids [...S] -> y [rows, D], y[v] = sum_{s: ids[s] = v} dy[s]
 * Ids outside the table are an InvalidArgumentError naming the first one, as on the reference backend.
 */
import { InvalidArgumentError, kernels as K, type TensorInfo } from '@tessera/tensor';
import type { WasmBackend } from '../backend.js';
import { runReference } from './reference.js';
import { wasmKernel, type WasmKernel } from './registration.js';
import { elementAddress } from './strided.js';

function checkIds(backend: WasmBackend, op: string, bad: number, ids: TensorInfo, rows: number): void {
  if (bad < 0) return;
  const id = (backend.array(ids.handle) as Int32Array)[ids.offset + bad]!;
  throw new InvalidArgumentError(op, `id ${id} at flat position ${bad} is outside [0, ${rows})`,
    'ids must index rows of the embedding table; check the tokenizer vocabulary size against the model');
}

export const memoryKernels: WasmKernel[] = [
  wasmKernel(K.Gather, (context) => {
    const { backend, inputs: [weight, ids], outputs: [y] } = context;
    if (weight!.dtype !== 'float32') return runReference(K.Gather, context);
    const [rows, D] = weight!.shape as [number, number];
    const bad = backend.exports.gather(elementAddress(backend.address(weight!.handle), weight!),
      elementAddress(backend.address(ids!.handle), ids!), backend.address(y!.handle), ids!.size, rows, D);
    checkIds(backend, 'embedding', bad, ids!, rows);
  }),
  wasmKernel(K.ScatterAdd, (context) => {
    const { backend, inputs: [dy, ids], outputs: [y], attrs: { rows } } = context;
    if (dy!.dtype !== 'float32') return runReference(K.ScatterAdd, context);
    const D = y!.shape[1]!;
    const bad = backend.exports.scatterAdd(elementAddress(backend.address(dy!.handle), dy!),
      elementAddress(backend.address(ids!.handle), ids!), backend.address(y!.handle), ids!.size, rows, D);
    checkIds(backend, 'embedding gradient', bad, ids!, rows);
  }),
];
