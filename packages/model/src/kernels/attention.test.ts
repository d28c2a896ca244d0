/**
 * The fused CPU attention kernels against their decomposition (the reference): outputs and
 * gradients, for MHA / GQA / MQA, causal and not, ALiBi, padding masks and Tq < Tk (cache).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend, findKernel, getBackend, kernelDefs, randn, sum, mul, tensor, useBackend, valueAndGrad, type Backend, type KernelRegistration, type Tensor } from '@tessera/tensor';
import { alibiSlopes } from './alibi.js';
import { Attention, AttentionBackward, attention, type AttentionAttrs } from './attention.js';
import { registerCpuAttention } from './attention-cpu.js';

class ReferenceOnly extends CpuBackend {
  override readonly name: string = 'cpu-attention-reference';
  override readonly kernels: readonly KernelRegistration<Backend>[] = new CpuBackend().kernels;
}

const original = getBackend();
beforeAll(() => registerCpuAttention());
afterAll(() => useBackend(original));

interface Case {
  name: string;
  B: number;
  H: number;
  G: number;
  Tq: number;
  Tk: number;
  hd: number;
  causal: boolean;
  alibi: boolean;
  mask?: boolean[][];
}

const cases: Case[] = [
  { name: 'MHA causal ALiBi', B: 2, H: 4, G: 4, Tq: 7, Tk: 7, hd: 8, causal: true, alibi: true },
  { name: 'GQA causal ALiBi, 3 heads per group', B: 1, H: 6, G: 2, Tq: 5, Tk: 5, hd: 4, causal: true, alibi: true },
  { name: 'MQA, queries after a cache', B: 2, H: 3, G: 1, Tq: 3, Tk: 9, hd: 5, causal: true, alibi: true },
  { name: 'non-causal, no ALiBi', B: 1, H: 2, G: 2, Tq: 4, Tk: 6, hd: 3, causal: false, alibi: false },
  {
    name: 'left padding mask', B: 2, H: 2, G: 1, Tq: 5, Tk: 5, hd: 4, causal: true, alibi: true,
    mask: [[false, false, true, true, true], [true, true, true, true, true]],
  },
];

function run(c: Case, backend: Backend): { out: Float32Array; grads: Float32Array[] } {
  useBackend(backend);
  const q = randn([c.B, c.H, c.Tq, c.hd], { seed: 1 });
  const k = randn([c.B, c.G, c.Tk, c.hd], { seed: 2 });
  const v = randn([c.B, c.G, c.Tk, c.hd], { seed: 3 });
  const w = randn([c.B, c.H, c.Tq, c.hd], { seed: 4 });
  const mask = c.mask ? tensor(c.mask, [c.B, c.Tk], 'bool') : undefined;
  const attrs: AttentionAttrs = { softmaxScale: 1 / Math.sqrt(c.hd), slopes: c.alibi ? alibiSlopes(c.H) : null, causal: c.causal };
  const out = attention(q, k, v, attrs, mask).dataSync() as Float32Array;
  const { grads } = valueAndGrad((a: Tensor, b: Tensor, d: Tensor) => sum(mul(attention(a, b, d, attrs, mask), w)))(q, k, v);
  return { out, grads: grads.map((g) => g.dataSync() as Float32Array) };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('Attention kernel: fused CPU vs decomposition', () => {
  for (const c of cases) {
    it(c.name, () => {
      const fused = run(c, new CpuBackend());
      const reference = run(c, new ReferenceOnly());
      expect(maxDiff(fused.out, reference.out)).toBeLessThan(2e-6);
      fused.grads.forEach((g, i) => expect(maxDiff(g, reference.grads[i]!)).toBeLessThan(5e-6));
    });
  }
});

describe('Attention kernel: registration and long rows', () => {
  it('is registered for the CPU backend, forward and backward', () => {
    // findKernel takes KernelDef<unknown>; look the definitions up in the registry by name.
    const def = (name: string) => kernelDefs().find((d) => d.name === name)!;
    expect(def('Attention')).toBe(Attention);
    const cpu = new CpuBackend();
    expect(findKernel(def('Attention'), cpu)).toBeDefined();
    expect(findKernel(def(AttentionBackward.name), cpu)).toBeDefined();
    expect(findKernel(def('Attention'), new ReferenceOnly())).toBeUndefined();
  });

  it('decodes one query against 20,000 keys without a T x T matrix; ALiBi has no length cap', () => {
    useBackend(new CpuBackend());
    const Tk = 20_000;
    const q = randn([1, 2, 1, 8], { seed: 1 });
    const k = randn([1, 1, Tk, 8], { seed: 2 });
    const v = randn([1, 1, Tk, 8], { seed: 3 });
    const out = attention(q, k, v, { softmaxScale: 0.35, slopes: [0.5, 1 / 4096], causal: true }).dataSync();
    // Head 0 (slope 0.5) sees essentially only the last keys; its output is close to v[Tk - 1].
    const last = v.slice(2, Tk - 1, Tk).dataSync();
    expect(Math.abs(out[0]! - last[0]!)).toBeLessThan(0.5);
    expect(Array.from(out).every(Number.isFinite)).toBe(true);
  });
});

describe('Attention gradient: finite differences in float64', () => {
  it.each([['fused CPU kernel', () => new CpuBackend()], ['decomposition', () => new ReferenceOnly()]] as const)('%s matches central differences', (_, make) => {
    useBackend(make());
    const attrs: AttentionAttrs = { softmaxScale: 0.7, slopes: [0.5, 0.125], causal: true };
    const mask = tensor([[false, true, true, true, true]], [1, 5], 'bool');
    const shapes = [[1, 2, 3, 3], [1, 1, 5, 3], [1, 1, 5, 3]] as const;
    const values = shapes.map((s, i) => Array.from(randn([...s], { seed: 10 + i, dtype: 'float64' }).dataSync()));
    const upstream = randn([1, 2, 3, 3], { seed: 20, dtype: 'float64' });
    const loss = (...xs: Tensor[]): Tensor => sum(mul(attention(xs[0]!, xs[1]!, xs[2]!, attrs, mask), upstream));
    const inputs = values.map((v, i) => tensor(Float64Array.from(v), [...shapes[i]!], 'float64'));
    const { grads } = valueAndGrad(loss)(...inputs);
    const eps = 1e-6;
    let worst = 0;
    values.forEach((v, i) => {
      const analytic = grads[i]!.dataSync();
      for (let e = 0; e < v.length; e++) {
        const at = (delta: number): number => {
          const moved = values.map((w, j) => tensor(Float64Array.from(w.map((x, f) => (j === i && f === e ? x + delta : x))), [...shapes[j]!], 'float64'));
          return loss(...moved).dataSync()[0]!;
        };
        worst = Math.max(worst, Math.abs((at(eps) - at(-eps)) / (2 * eps) - analytic[e]!));
      }
    });
    expect(worst).toBeLessThan(1e-7);
  });
});
