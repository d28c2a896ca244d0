/**
 * Concat along `axis`: with y viewed as [outer, total, inner], input i (shape [outer, n_i, inner],
 * any strides) lands at columns [start_i, start_i + n_i).
 */
import { Concat } from '../../../kernels/concat.js';
import { cpuKernel, type CpuKernel } from '../registration.js';
import { offsetsOf } from '../strided.js';
import { isContiguous } from '../../../shape.js';

export const concatKernels: CpuKernel[] = [
  cpuKernel(Concat, ({ backend, inputs, outputs: [y], attrs: { axis } }) => {
    const ys = backend.array(y!.handle);
    const inner = y!.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const total = y!.shape[axis]!;
    let start = 0;
    for (const x of inputs) {
      const xs = backend.array(x.handle);
      const block = x.shape[axis]! * inner;
      if (isContiguous(x.shape, x.strides)) {
        // Each outer index is one contiguous run of `block` elements on both sides.
        for (let o = 0, src = x.offset; o * block < x.size; o++, src += block) {
          ys.set(xs.subarray(src, src + block), o * total * inner + start * inner);
        }
      } else {
        const at = offsetsOf(x.shape, x.strides, x.offset);
        for (let i = 0; i < at.length; i++) {
          const o = Math.floor(i / block);
          ys[o * total * inner + start * inner + (i % block)] = xs[at[i]!]!;
        }
      }
      start += x.shape[axis]!;
    }
  }),
];
