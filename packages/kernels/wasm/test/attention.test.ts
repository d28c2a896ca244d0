/**
 * The WASM fused attention (forward and backward) against the model's decomposition run in
 * float64 on the reference backend: MHA / GQA / MQA, causal or not, with and without ALiBi and a
 * key mask (rows that see no key included), Tq < Tk, odd head sizes and several key tiles, with 1
 * and 2 threads; float64 runs on the wasm backend too. Also: the kernel is what runs (not the
 * decomposition), 1 and 2 threads give identical bits, and the attributes match the model's.
 */
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { onBackend } from '@tessera/kernels-conformance';
import { alibiSlopes, Attention as ModelAttention, AttentionBackward as ModelAttentionBackward, type AttentionAttrs as ModelAttentionAttrs } from '@tessera/model';
import { CpuBackend, findKernel, randn, runKernel, tensor, type Backend, type DType, type KernelRegistration, type Tensor } from '@tessera/tensor';
import { createWasmBackend, wasmKernelNames, type WasmBackend } from '../src/index.js';
import { Attention, AttentionBackward, type AttentionAttrs } from '../src/kernels/attention.js';

/** The reference: the decomposition (no fused attention registered under this name), float64. */
class Decomposed extends CpuBackend {
  override readonly name: string = 'cpu-attention-decomposed';
  override readonly kernels: readonly KernelRegistration<Backend>[] = new CpuBackend().kernels;
}

interface Case {
  B: number; H: number; G: number; Tq: number; Tk: number; hd: number; causal: boolean; alibi: boolean; mask?: boolean;
}

const cases: Case[] = [
  { B: 2, H: 4, G: 4, Tq: 70, Tk: 70, hd: 16, causal: true, alibi: true },
  { B: 1, H: 6, G: 2, Tq: 33, Tk: 33, hd: 8, causal: true, alibi: true },
  { B: 2, H: 3, G: 1, Tq: 5, Tk: 131, hd: 5, causal: true, alibi: true },
  { B: 1, H: 2, G: 2, Tq: 1, Tk: 77, hd: 64, causal: true, alibi: true },
  { B: 2, H: 2, G: 2, Tq: 67, Tk: 130, hd: 13, causal: false, alibi: false },
  { B: 1, H: 4, G: 2, Tq: 20, Tk: 45, hd: 33, causal: false, alibi: true, mask: true },
  { B: 3, H: 2, G: 1, Tq: 66, Tk: 66, hd: 7, causal: true, alibi: true, mask: true },
  { B: 1, H: 1, G: 1, Tq: 40, Tk: 129, hd: 32, causal: true, alibi: false, mask: true },
];

const label = (c: Case): string =>
  `B${c.B} H${c.H} G${c.G} Tq${c.Tq} Tk${c.Tk} hd${c.hd}${c.causal ? ' causal' : ''}${c.alibi ? ' alibi' : ''}${c.mask ? ' keyMask' : ''}`;

interface Host {
  q: Float64Array; k: Float64Array; v: Float64Array; dOut: Float64Array; mask: boolean[] | null; attrs: AttentionAttrs;
}

let seed = 1;
async function host(c: Case): Promise<Host> {
  const values = async (shape: number[]): Promise<Float64Array> => Float64Array.from(await randn(shape, { seed: seed++ }).data());
  const q = await values([c.B, c.H, c.Tq, c.hd]);
  const k = await values([c.B, c.G, c.Tk, c.hd]);
  const v = await values([c.B, c.G, c.Tk, c.hd]);
  const dOut = await values([c.B, c.H, c.Tq, c.hd]);
  // Masks: the first keys of batch entry 0 hidden (so causal rows before them see nothing), random holes elsewhere.
  const mask = c.mask ? Array.from({ length: c.B * c.Tk }, (_, i) => (i < c.Tk && i < 3 + c.Tk - c.Tq ? false : (i * 7919) % 5 !== 0)) : null;
  return { q, k, v, dOut, mask, attrs: { softmaxScale: 1 / Math.sqrt(c.hd) + 0.1, slopes: c.alibi ? alibiSlopes(c.H) : null, causal: c.causal } };
}

/** Forward and backward on `backend` in `dtype`: [out, dq, dk, dv] as float64 arrays. */
async function run(backend: Backend, c: Case, h: Host, dtype: DType): Promise<Float64Array[]> {
  return onBackend(backend, async () => {
    const q = tensor(h.q, [c.B, c.H, c.Tq, c.hd], dtype);
    const k = tensor(h.k, [c.B, c.G, c.Tk, c.hd], dtype);
    const v = tensor(h.v, [c.B, c.G, c.Tk, c.hd], dtype);
    const dOut = tensor(h.dOut, [c.B, c.H, c.Tq, c.hd], dtype);
    const mask = h.mask ? [tensor(h.mask, [c.B, c.Tk], 'bool')] : [];
    const [out] = runKernel(ModelAttention, [q, k, v, ...mask], h.attrs);
    const grads = runKernel(ModelAttentionBackward, [q, k, v, out!, dOut, ...mask], h.attrs);
    const result: Float64Array[] = [];
    for (const t of [out!, ...grads] as Tensor[]) result.push(Float64Array.from(await t.data()));
    return result;
  });
}

function relativeError(got: Float64Array, want: Float64Array): number {
  let diff = 0, scale = 1e-30;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / scale;
}

describe('attention attributes', () => {
  it('restates the model definition\'s attributes exactly, under the same names', () => {
    expectTypeOf<AttentionAttrs>().toEqualTypeOf<ModelAttentionAttrs>();
    expect(Attention.name).toBe(ModelAttention.name);
    expect(AttentionBackward.name).toBe(ModelAttentionBackward.name);
    expect(wasmKernelNames).toEqual(expect.arrayContaining(['Attention', 'AttentionBackward']));
  });
});

describe('wasm fused attention', () => {
  const reference = new Decomposed();
  let one: WasmBackend;
  let two: WasmBackend;
  beforeAll(async () => {
    one = await createWasmBackend({ threads: 1 });
    two = await createWasmBackend({ threads: 2 });
  });

  it('is what runs on the wasm backend (both directions)', async () => {
    await onBackend(one, () => {}); // a backend's kernels are registered when it is first used
    expect(findKernel(ModelAttention, one)).toBeDefined();
    expect(findKernel(ModelAttentionBackward, one)).toBeDefined();
    expect(findKernel(ModelAttention, reference)).toBeUndefined();
  });

  for (const c of cases) {
    it(`float32 (1 and 2 threads) and float64 match the decomposition: ${label(c)}`, async () => {
      const h = await host(c);
      const want = await run(reference, c, h, 'float64');
      const got1 = await run(one, c, h, 'float32');
      const got2 = await run(two, c, h, 'float32');
      const got64 = await run(one, c, h, 'float64');
      ['out', 'dq', 'dk', 'dv'].forEach((name, i) => {
        expect(relativeError(got1[i]!, want[i]!), `float32 ${name}`).toBeLessThan(2e-5);
        expect(Array.from(got2[i]!), `float32 ${name}, 2 threads`).toEqual(Array.from(got1[i]!));
        expect(relativeError(got64[i]!, want[i]!), `float64 ${name}`).toBeLessThan(1e-12);
      });
    });
  }

  it('gives the same bits on 1 and 2 threads when the work is split (forward by query blocks, backward by heads)', async () => {
    const c: Case = { B: 2, H: 4, G: 2, Tq: 100, Tk: 100, hd: 32, causal: true, alibi: true };
    const h = await host(c);
    const a = await run(one, c, h, 'float32');
    const b = await run(two, c, h, 'float32');
    a.forEach((x, i) => expect(Array.from(b[i]!)).toEqual(Array.from(x)));
    const want = await run(reference, c, h, 'float64');
    a.forEach((x, i) => expect(relativeError(x, want[i]!)).toBeLessThan(2e-5));
  });
});
