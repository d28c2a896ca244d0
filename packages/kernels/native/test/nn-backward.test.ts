/**
 * The fused backward kernels (GeluBackward, LayerNormBackward, CrossEntropyBackward) on shapes
 * large enough to be split between threads: float32 on every ISA path against the reference
 * backend computed in float64, float64 against it closely, 1 and 2 threads bit-identical, and
 * invalid targets rejected. The small shapes and edge cases are in the conformance suite.
 */
import { describe, expect, it } from 'vitest';
import { onBackend } from '@tessera/kernels-conformance';
import {
  CpuBackend, InvalidArgumentError, findKernel, kernels as K, randn, runKernel, scalar, tensor, type Backend, type DType, type KernelDef,
  type Tensor,
} from '@tessera/tensor';
import { createNativeBackend, nativeStatus } from '../src/index.js';

const status = nativeStatus();
const isas = status.available ? status.isas.filter((i) => i.available).map((i) => i.name) : [];

interface Problem {
  name: string;
  def: KernelDef<never>;
  attrs: unknown;
  /** Host inputs: float values (cast to the dtype) or int32 targets. */
  inputs: () => Promise<{ values: Float64Array; shape: number[]; int?: boolean }[]>;
}

async function normal(shape: number[], seed: number, scale = 1): Promise<{ values: Float64Array; shape: number[] }> {
  const values = Float64Array.from(await onBackend(new CpuBackend(), () => randn([shape.reduce((a, b) => a * b, 1)], { seed }).data()));
  return { values: values.map((v) => v * scale), shape };
}

function targets(rows: number, classes: number, ignore: number): { values: Float64Array; shape: number[]; int: boolean } {
  const values = new Float64Array(rows);
  for (let r = 0; r < rows; r++) values[r] = r % 7 === 3 ? ignore : (r * 37 + 11) % classes;
  return { values, shape: [rows], int: true };
}

const problems: Problem[] = [
  ...(['none', 'tanh'] as const).map((approximate): Problem => ({
    name: `GeluBackward ${approximate} [300, 257]`, def: K.GeluBackward as KernelDef<never>, attrs: { approximate },
    inputs: async () => [await normal([300, 257], 1), await normal([300, 257], 2, 3)],
  })),
  ...[false, true].map((bias): Problem => ({
    name: `LayerNormBackward ${bias ? 'with' : 'without'} bias [2, 300, 129]`, def: K.LayerNormBackward as KernelDef<never>, attrs: { eps: 1e-5, bias },
    inputs: async () => [await normal([2, 300, 129], 3), await normal([2, 300, 129], 4, 2), await normal([129], 5)],
  })),
  {
    name: 'CrossEntropyBackward [300, 131] with ignored targets', def: K.CrossEntropyBackward as KernelDef<never>, attrs: { ignoreIndex: -100 },
    inputs: async () => [await normal([300, 131], 6, 3), targets(300, 131, -100), { values: Float64Array.of(0.5), shape: [] }],
  },
];

async function run(backend: Backend, p: Problem, dtype: DType): Promise<Float64Array[]> {
  const hosts = await p.inputs();
  return onBackend(backend, async () => {
    const xs: Tensor[] = hosts.map((h) => (h.shape.length === 0 ? scalar(h.values[0]!, dtype) : tensor(h.values, h.shape, h.int ? 'int32' : dtype)));
    const outs = runKernel(p.def, xs, p.attrs as never);
    const result: Float64Array[] = [];
    for (const t of outs) result.push(Float64Array.from(await t.data()));
    for (const t of [...xs, ...outs]) t.dispose();
    return result;
  });
}

/** max |a - b| / max(1, max |b|), per output. */
function relativeErrors(a: Float64Array[], b: Float64Array[]): number[] {
  return a.map((x, i) => {
    const y = b[i]!;
    let scale = 1;
    let worst = 0;
    for (let j = 0; j < y.length; j++) scale = Math.max(scale, Math.abs(y[j]!));
    for (let j = 0; j < y.length; j++) worst = Math.max(worst, Number.isNaN(x[j]!) ? Infinity : Math.abs(x[j]! - y[j]!));
    return worst / scale;
  });
}

describe.skipIf(!status.available)(`native fused backward kernels${status.available ? '' : ` (skipped: ${status.reason})`}`, () => {
  for (const p of problems) {
    for (const isa of isas) {
      it(`${p.name}, ${isa}: float32 matches the float64 reference`, async () => {
        const native = await createNativeBackend({ isa, threads: 2, fallback: 'throw' });
        const errors = relativeErrors(await run(native, p, 'float32'), await run(new CpuBackend(), p, 'float64'));
        expect(findKernel(p.def, native)).toBeDefined(); // the fused kernel ran, not the decomposition
        for (const e of errors) expect(e).toBeLessThan(3e-6);
      });
    }

    it(`${p.name}: float64 matches the reference`, async () => {
      const native = await createNativeBackend({ threads: 2, fallback: 'throw' });
      const errors = relativeErrors(await run(native, p, 'float64'), await run(new CpuBackend(), p, 'float64'));
      for (const e of errors) expect(e).toBeLessThan(1e-12);
    });

    it(`${p.name}: 1 and 2 threads give identical bits`, async () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const one = await run(await createNativeBackend({ threads: 1, fallback: 'throw' }), p, dtype);
        const two = await run(await createNativeBackend({ threads: 2, fallback: 'throw' }), p, dtype);
        expect(two).toEqual(one);
      }
    });
  }

  it('CrossEntropyBackward rejects a target outside [0, C) that is not ignoreIndex', async () => {
    const native = await createNativeBackend({ threads: 2, fallback: 'throw' });
    await onBackend(native, () => {
      const logits = tensor(new Float64Array(12), [3, 4], 'float32');
      const t = tensor([1, 4, -100], [3], 'int32');
      expect(() => runKernel(K.CrossEntropyBackward, [logits, t, scalar(1, 'float32')], { ignoreIndex: -100 }))
        .toThrow(InvalidArgumentError);
      expect(() => runKernel(K.CrossEntropyBackward, [logits, t, scalar(1, 'float32')], { ignoreIndex: -100 })).toThrow(/target 4 at position 1/);
    });
  });
});
