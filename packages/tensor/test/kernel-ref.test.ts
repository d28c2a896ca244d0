/**
 * kernelRef: a backend implements a kernel defined in a package it does not import (as the native
 * backend implements the model's Attention). The implementation is keyed by the definition's name
 * and runs instead of the decomposition once a backend that lists it is in use.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CpuBackend, defineKernel, getBackend, kernel, kernelRef, runKernel, tensor, useBackend, type Backend, type KernelRegistration,
} from '@tessera/tensor';

// Defined "elsewhere": y = x * factor, decomposed into a mul.
const ScaleBy = defineKernel<{ factor: number }>({
  name: 'TestScaleByForKernelRef',
  inputs: ['x'],
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  decompose: ([x], { factor }, ops) => [ops.mul(x!, factor)],
});

// The backend's package only knows the name and the attribute type.
const ScaleByRef = kernelRef<{ factor: number }>('TestScaleByForKernelRef');
const seen: number[] = [];
const scaleByCpu = kernel<{ factor: number }, CpuBackend>(ScaleByRef, ({ backend, inputs: [x], outputs: [y], attrs }) => {
  seen.push(attrs.factor);
  const xs = backend.array(x!.handle);
  const ys = backend.array(y!.handle);
  for (let i = 0; i < y!.size; i++) ys[i] = xs[x!.offset + i]! * attrs.factor + 1000; // distinguishable from the decomposition
});

class WithRef extends CpuBackend {
  override readonly name: string = 'cpu-with-kernel-ref';
  override readonly kernels: readonly KernelRegistration<Backend>[] = [...new CpuBackend().kernels, scaleByCpu];
}

const original = getBackend();
afterEach(() => useBackend(original));

describe('kernelRef', () => {
  it('carries only the name', () => {
    expect(ScaleByRef).toEqual({ name: ScaleBy.name });
  });

  it('dispatches to the implementation registered by name, else to the decomposition', async () => {
    useBackend(new WithRef());
    const [y] = runKernel(ScaleBy, [tensor([1, 2])], { factor: 3 });
    expect(Array.from(await y!.data())).toEqual([1003, 1006]);
    expect(seen).toEqual([3]);
    useBackend(new CpuBackend());
    const [z] = runKernel(ScaleBy, [tensor([1, 2])], { factor: 3 });
    expect(Array.from(await z!.data())).toEqual([3, 6]);
  });
});
