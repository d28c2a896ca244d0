/**
 * The WASM SIMD backward kernels (GeluBackward, LayerNormBackward, CrossEntropyBackward) on
 * shapes split between the worker threads: float32 against the reference backend computed in
 * float64, 1 and 2 threads bit-identical, invalid targets rejected. The small shapes and edge
 * cases are in the conformance suite.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { onBackend } from '@tessera/kernels-conformance';
import {
  CpuBackend, InvalidArgumentError, kernels as K, randn, runKernel, scalar, tensor, type Backend, type DType, type KernelDef, type Tensor,
} from '@tessera/tensor';
import { createWasmBackend, wasmKernelNames, type WasmBackend } from '../src/index.js';

interface Host { values: Float64Array; shape: number[]; int?: boolean }
interface Problem { name: string; def: KernelDef<never>; attrs: unknown; inputs: () => Promise<Host[]> }

async function normal(shape: number[], seed: number, scale = 1): Promise<Host> {
  const values = Float64Array.from(await onBackend(new CpuBackend(), () => randn([shape.reduce((a, b) => a * b, 1)], { seed }).data()));
  return { values: values.map((v) => v * scale), shape };
}

function targets(rows: number, classes: number, ignore: number): Host {
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
    name: 'CrossEntropyBackward [600, 131] with ignored targets', def: K.CrossEntropyBackward as KernelDef<never>, attrs: { ignoreIndex: -100 },
    inputs: async () => [await normal([600, 131], 6, 3), targets(600, 131, -100), { values: Float64Array.of(0.5), shape: [] }],
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

describe('wasm fused backward kernels', () => {
  let backends: WasmBackend[];
  beforeAll(async () => {
    backends = [await createWasmBackend({ threads: 1 }), await createWasmBackend({ threads: 2 })];
  });

  it('are WASM implementations, not the reference loops', () => {
    expect(wasmKernelNames).toEqual(expect.arrayContaining(['GeluBackward', 'LayerNormBackward', 'CrossEntropyBackward']));
  });

  for (const p of problems) {
    it(`${p.name}: float32 matches the float64 reference; 1 and 2 threads give identical bits`, async () => {
      const one = await run(backends[0]!, p, 'float32');
      const two = await run(backends[1]!, p, 'float32');
      expect(two).toEqual(one);
      for (const e of relativeErrors(two, await run(new CpuBackend(), p, 'float64'))) expect(e).toBeLessThan(3e-6);
    });
  }

  it('CrossEntropyBackward rejects a target outside [0, C) that is not ignoreIndex', async () => {
    await onBackend(backends[1]!, () => {
      const logits = tensor(new Float64Array(12), [3, 4], 'float32');
      const t = tensor([1, 4, -100], [3], 'int32');
      expect(() => runKernel(K.CrossEntropyBackward, [logits, t, scalar(1, 'float32')], { ignoreIndex: -100 })).toThrow(InvalidArgumentError);
      expect(() => runKernel(K.CrossEntropyBackward, [logits, t, scalar(1, 'float32')], { ignoreIndex: -100 })).toThrow(/target 4 at position 1/);
    });
  });
});
