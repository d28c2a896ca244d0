/**
 * The fused optimizer steps against their decompositions, bit for bit, in float32 and float64,
 * with and without weight decay, on sizes below and above the threading chunk, with 1 and 2
 * threads: against the decomposition run on this backend's primitives and on the reference
 * backend. The trainer owns the definitions (`LionStep`, `AdamStep` in @tessera/trainer) and
 * kernel packages do not depend on it, so this file restates them with the same name and
 * decomposition (as kernels-native's test/optim.test.ts does).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { onBackend } from '@tessera/kernels-conformance';
import {
  CpuBackend, defineKernel, findKernel, randn, runKernel, tensor, type Backend, type DType, type KernelRegistration, type TensorMeta,
} from '@tessera/tensor';
import { createWasmBackend, wasmKernelNames, type WasmBackend } from '../src/index.js';
import { AdamStep, LionStep, optimKernels, type AdamStepAttrs, type LionStepAttrs } from '../src/kernels/optim.js';

const same = (inputs: readonly TensorMeta[]): TensorMeta => ({ shape: inputs[0]!.shape, dtype: inputs[0]!.dtype });

// The trainer's definitions, restated (src/optim/lion-step.ts, src/optim/adam-step.ts there).
const LionStepDef = defineKernel<LionStepAttrs>({
  name: LionStep.name,
  inputs: ['param', 'grad', 'expAvg'],
  differentiable: false,
  infer: (inputs) => [same(inputs), same(inputs)],
  decompose: ([p, g, m], { lr, beta1, beta2, decay }, ops) => {
    const decayed = decay !== null ? ops.mul(p!, decay) : p!;
    const update = ops.sign(ops.add(m!, ops.mul(ops.sub(g!, m!), 1 - beta1)));
    return [ops.sub(decayed, ops.mul(update, lr)), ops.add(m!, ops.mul(ops.sub(g!, m!), 1 - beta2))];
  },
});
const AdamStepDef = defineKernel<AdamStepAttrs>({
  name: AdamStep.name,
  inputs: ['param', 'grad', 'expAvg', 'expAvgSq'],
  differentiable: false,
  infer: (inputs) => [same(inputs), same(inputs), same(inputs)],
  decompose: ([p, g, m, v], { stepSize, beta1, beta2, eps, correction2, decay }, ops) => {
    const decayed = decay !== null ? ops.mul(p!, decay) : p!;
    const mNext = ops.add(m!, ops.mul(ops.sub(g!, m!), 1 - beta1));
    const vNext = ops.add(ops.mul(v!, beta2), ops.mul(ops.mul(g!, g!), 1 - beta2));
    const denom = ops.add(ops.div(ops.sqrt(vNext), correction2), eps);
    return [ops.sub(decayed, ops.mul(ops.div(mNext, denom), stepSize)), mNext, vNext];
  },
});

const fusedNames = new Set(optimKernels.map((k) => k.def.name));

/** The wasm backend under another name, without the fused steps: their decompositions run on its primitives. */
function decomposedOn(target: Backend): Backend {
  const kernels: KernelRegistration<Backend>[] = target.kernels.filter((k) => !fusedNames.has(k.def.name));
  return new Proxy(target, {
    get(object, property) {
      if (property === 'name') return `${object.name}-decomposed-optim`;
      if (property === 'kernels') return kernels;
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

class ReferenceCpu extends CpuBackend {
  override readonly name: string = 'cpu-optim-reference';
  override readonly kernels: readonly KernelRegistration<Backend>[] = new CpuBackend().kernels;
}

async function hostValues(size: number, seed: number, positive = false): Promise<Float64Array> {
  const values = Float64Array.from(await randn([size], { seed }).data());
  if (positive) for (let i = 0; i < size; i++) values[i] = values[i]! * values[i]! * 1e-3;
  // Some exact zeros and ties, where sign() and the interpolations have edge cases.
  for (let i = 0; i < size; i += 97) values[i] = 0;
  return values;
}

async function step(backend: Backend, kind: 'lion' | 'adam', inputs: Float64Array[], shape: number[], dtype: DType,
  attrs: LionStepAttrs | AdamStepAttrs): Promise<number[][]> {
  return onBackend(backend, async () => {
    const ts = inputs.map((x) => tensor(x, shape, dtype));
    const outs = kind === 'lion' ? runKernel(LionStepDef, ts, attrs as LionStepAttrs) : runKernel(AdamStepDef, ts, attrs as AdamStepAttrs);
    const result: number[][] = [];
    for (const t of outs) result.push(Array.from(await t.data()));
    for (const t of [...ts, ...outs]) t.dispose();
    return result;
  });
}

describe('wasm fused optimizer steps', () => {
  let backends: WasmBackend[];
  beforeAll(async () => {
    backends = [await createWasmBackend({ threads: 1 }), await createWasmBackend({ threads: 2 })];
  });

  it('are registered on the wasm backend', async () => {
    expect(wasmKernelNames).toEqual(expect.arrayContaining(['LionStep', 'AdamStep']));
    await onBackend(backends[0]!, () => {});
    expect(findKernel(LionStepDef, backends[0]!)).toBeDefined();
    expect(findKernel(AdamStepDef, backends[0]!)).toBeDefined();
    expect(findKernel(LionStepDef, new ReferenceCpu())).toBeUndefined();
  });

  const shapes = [[1000], [37, 129], [190, 191]]; // the last one is split between threads
  for (const dtype of ['float32', 'float64'] as const) {
    for (const shape of shapes) {
      for (const decay of [null, 1 - 0.7 * 1e-2]) {
        const size = shape.reduce((a, b) => a * b, 1);
        const label = `${dtype} [${shape.join(', ')}]${decay === null ? '' : ' with decay'}`;

        it(`LionStep is bit-identical to its decomposition: ${label}`, async () => {
          const inputs = [await hostValues(size, 1), await hostValues(size, 2), await hostValues(size, 3)];
          const attrs: LionStepAttrs = { lr: 3e-4, beta1: 0.9, beta2: 0.99, decay };
          const want = await step(new ReferenceCpu(), 'lion', inputs, shape, dtype, attrs);
          for (const backend of backends) {
            expect(await step(backend, 'lion', inputs, shape, dtype, attrs)).toEqual(want);
          }
          expect(await step(decomposedOn(backends[0]!), 'lion', inputs, shape, dtype, attrs)).toEqual(want);
        });

        it(`AdamStep is bit-identical to its decomposition: ${label}`, async () => {
          const inputs = [await hostValues(size, 4), await hostValues(size, 5), await hostValues(size, 6), await hostValues(size, 7, true)];
          const t = 3;
          const attrs: AdamStepAttrs = {
            stepSize: 1e-3 / (1 - 0.9 ** t), beta1: 0.9, beta2: 0.999, eps: 1e-8, correction2: Math.sqrt(1 - 0.999 ** t), decay,
          };
          const want = await step(new ReferenceCpu(), 'adam', inputs, shape, dtype, attrs);
          for (const backend of backends) {
            expect(await step(backend, 'adam', inputs, shape, dtype, attrs)).toEqual(want);
          }
          expect(await step(decomposedOn(backends[0]!), 'adam', inputs, shape, dtype, attrs)).toEqual(want);
        });
      }
    }
  }
});
