/**
 * Gather (embedding rows by id) and ScatterAdd (its adjoint). Inputs arrive contiguous.
 */
import { InvalidArgumentError } from '../../../errors.js';
import { Gather, ScatterAdd } from '../../../kernels/gather.js';
import { cpuKernel, type CpuKernel } from '../registration.js';

function checkId(op: string, id: number, position: number, rows: number): void {
  if (!(id >= 0 && id < rows)) {
    throw new InvalidArgumentError(op, `id ${id} at flat position ${position} is outside [0, ${rows})`,
      'ids must index rows of the embedding table; check the tokenizer vocabulary size against the model');
  }
}

export const gatherKernels: CpuKernel[] = [
  cpuKernel(Gather, ({ backend, inputs: [weight, ids], outputs: [y] }) => {
    const w = backend.array(weight!.handle);
    const is = backend.array(ids!.handle);
    const ys = backend.array(y!.handle);
    const [rows, D] = weight!.shape as [number, number];
    for (let i = 0; i < ids!.size; i++) {
      const id = is[ids!.offset + i]!;
      checkId('embedding', id, i, rows);
      ys.set(w.subarray(weight!.offset + id * D, weight!.offset + (id + 1) * D), i * D);
    }
  }),
  cpuKernel(ScatterAdd, ({ backend, inputs: [dy, ids], outputs: [y], attrs: { rows } }) => {
    const g = backend.array(dy!.handle);
    const is = backend.array(ids!.handle);
    const ys = backend.array(y!.handle);
    const D = y!.shape[1]!;
    for (let i = 0; i < ids!.size; i++) {
      const id = is[ids!.offset + i]!;
      checkId('embedding gradient', id, i, rows);
      const src = dy!.offset + i * D;
      const dst = id * D;
      for (let j = 0; j < D; j++) ys[dst + j]! += g[src + j]!;
    }
  }),
];
