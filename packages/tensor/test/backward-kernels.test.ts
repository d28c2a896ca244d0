/**
 * The gradients of gelu, layerNorm and crossEntropy go through the GeluBackward,
 * LayerNormBackward and CrossEntropyBackward kernels: a backend's fused implementation runs when it
 * has one (the reference CPU backend does), and a backend without one gets the decomposition; both
 * give the same gradients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CpuBackend, add, crossEntropy, gelu, getBackend, kernel, kernels as K, layerNorm, mean, mul, randn, sum, tensor, useBackend, valueAndGrad,
  type Backend, type KernelRegistration, type Tensor,
} from '@tessera/tensor';

const backwardNames = [K.GeluBackward.name, K.LayerNormBackward.name, K.CrossEntropyBackward.name];

/** The reference backend, recording the kernels it runs. */
class Recording extends CpuBackend {
  override readonly name: string = 'cpu-recording-backward';
  readonly seen = new Set<string>();
  override readonly kernels: readonly KernelRegistration<Backend>[] = new CpuBackend().kernels.map((k) =>
    kernel<unknown, Backend>(k.def, (context) => {
      this.seen.add(k.def.name);
      k.run(context);
    }));
}

/** The reference backend without the fused backward kernels: their decompositions run. */
class Decomposed extends CpuBackend {
  override readonly name: string = 'cpu-decomposed-backward';
  override readonly kernels: readonly KernelRegistration<Backend>[] = new CpuBackend().kernels.filter((k) => !backwardNames.includes(k.def.name));
}

const original = getBackend();
afterEach(() => useBackend(original));

// Uses both GELU forms, layerNorm with and without bias, and crossEntropy with an ignored target.
const loss = (x: Tensor, w: Tensor, b: Tensor): Tensor => {
  const h = layerNorm(gelu(x, 'tanh'), w, b);
  const targets = tensor([1, 4, -100, 0, 2, 3], [2, 3], 'int32');
  return add(add(crossEntropy(h, targets), mean(mul(gelu(h), h))), sum(mul(layerNorm(x, w), h)));
};

async function gradients(backend: Backend): Promise<number[][]> {
  useBackend(backend);
  const x = randn([2, 3, 5], { seed: 1, dtype: 'float64' });
  const w = randn([5], { seed: 2, dtype: 'float64' });
  const b = randn([5], { seed: 3, dtype: 'float64' });
  const { grads } = valueAndGrad(loss)(x, w, b);
  return Promise.all(grads.map(async (g) => Array.from(await g.data())));
}

describe('backward kernels', () => {
  it('run from the gradient rules, fused where the backend has them, with the decomposition\'s results', async () => {
    const recording = new Recording();
    const fused = await gradients(recording);
    expect([...recording.seen].filter((n) => backwardNames.includes(n)).sort()).toEqual([...backwardNames].sort());
    const decomposed = await gradients(new Decomposed());
    expect(fused.length).toBe(3);
    fused.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(decomposed[i]![j]!, 12)));
  });
});
