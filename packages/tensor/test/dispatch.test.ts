/**
 * Dispatch: registered kernel for (definition, backend), else the decomposition, else
 * KernelNotFoundError naming where the kernel exists. Backends are runtime values.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CpuBackend, createCpuBackend, crossEntropy, exp, gelu, getBackend, kernels, KernelNotFoundError, layerNorm, logSoftmax,
  logsumexp, randn, toBackend, registerKernel, softmax, tensor, useBackend, valueAndGrad, sum, mul, type Backend, type KernelRegistration,
} from '@tessera/tensor';

const composite = new Set(['Softmax', 'LogSoftmax', 'LogSumExp', 'LayerNorm', 'CrossEntropy', 'Gelu']);

class PrimitivesOnly extends CpuBackend {
  override readonly name: string = 'cpu-primitives-only';
  override readonly kernels: readonly KernelRegistration<Backend>[] = new CpuBackend().kernels.filter((k) => !composite.has(k.def.name));
}

class NoExp extends CpuBackend {
  override readonly name: string = 'cpu-without-exp';
  override readonly kernels: readonly KernelRegistration<Backend>[] = new CpuBackend().kernels.filter((k) => k.def !== kernels.Exp);
}

const original = getBackend();
afterEach(() => useBackend(original));

async function values(fn: () => ReturnType<typeof softmax>): Promise<number[]> {
  return Array.from(await fn().data());
}

describe('dispatch', () => {
  it('falls back to the decomposition when a backend lacks a fused kernel', async () => {
    const x = () => randn([3, 5], { seed: 4 });
    const w = () => randn([5], { seed: 5 });
    const t = () => tensor([1, -100, 4], [3], 'int32');
    const cases = [
      () => softmax(x()), () => logSoftmax(x(), 0), () => logsumexp(x(), [0, 1]), () => layerNorm(x(), w()),
      () => crossEntropy(x(), t()), () => gelu(x()), () => gelu(x(), 'tanh'),
    ];
    useBackend(createCpuBackend());
    const fused = await Promise.all(cases.map(values));
    useBackend(new PrimitivesOnly());
    const decomposed = await Promise.all(cases.map(values));
    cases.forEach((_, i) => fused[i]!.forEach((v, j) => expect(decomposed[i]![j]).toBeCloseTo(v, 5)));
  });

  it('gradients flow through a decomposed composite the same way', async () => {
    const run = async (): Promise<number[]> => {
      const { grads } = valueAndGrad((x) => sum(mul(softmax(x), randn([2, 4], { seed: 9 }))))(randn([2, 4], { seed: 8 }));
      return Array.from(await grads[0].data());
    };
    useBackend(createCpuBackend());
    const a = await run();
    useBackend(new PrimitivesOnly());
    const b = await run();
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
  });

  it('throws KernelNotFoundError listing the backends that have the kernel', () => {
    useBackend(new NoExp());
    const x = tensor([1, 2]);
    let error: unknown;
    try {
      exp(x);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KernelNotFoundError);
    expect((error as Error).message).toContain("'Exp'");
    expect((error as Error).message).toContain('cpu-without-exp');
    expect((error as KernelNotFoundError).registered).toContain('cpu');
  });

  it('registerKernel adds an implementation to a backend from outside its package', async () => {
    const impl = new CpuBackend().kernels.find((k) => k.def === kernels.Exp)!;
    registerKernel('cpu-with-late-exp', impl);
    class LateExp extends NoExp {
      override readonly name: string = 'cpu-with-late-exp';
    }
    useBackend(new LateExp());
    expect(Array.from(await exp(tensor([0])).data())).toEqual([1]);
  });

  it('refuses to mix tensors from two backends', () => {
    const a = tensor([1, 2]);
    useBackend(createCpuBackend());
    // Two CpuBackend instances are two devices: their buffers are not shared.
    expect(() => exp(a)).toThrow(/another instance of backend 'cpu'/);
  });

  it('toBackend copies a (strided) tensor onto the current backend', async () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    const t = a.transpose();
    const other = createCpuBackend();
    useBackend(other);
    const moved = await toBackend(t);
    expect(moved.storage.backend).toBe(other);
    expect(Array.from(await exp(moved).data())).toEqual([1, 4, 2, 5, 3, 6].map((v) => Math.fround(Math.exp(v))));
  });
});
