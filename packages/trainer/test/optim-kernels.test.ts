/**
 * The optimizer step kernels (LionStep, AdamStep): the native backend's fused implementations
 * against these definitions' decompositions, bit for bit (float32 and float64, with and without
 * decay), and whole optimizer steps on the native backend against the reference backend.
 */
import { describe, expect, it } from 'vitest';
import { createNativeBackend, nativeStatus } from '@tessera/kernels-native';
import {
  CpuBackend, findKernel, getBackend, randn, runKernel, tensor, useBackend, type Backend, type DType, type KernelRegistration, type Tensor,
} from '@tessera/tensor';
import { AdamStep, AdamW, DecoupledLionW, LionStep, type AdamStepAttrs, type LionStepAttrs, type Optimizer } from '../src/index.js';

class Reference extends CpuBackend {
  override readonly name: string = 'cpu-optim-steps-reference';
  override readonly kernels: readonly KernelRegistration<Backend>[] = new CpuBackend().kernels;
}

async function on<T>(backend: Backend, fn: () => Promise<T>): Promise<T> {
  const previous = getBackend();
  useBackend(backend);
  try {
    return await fn();
  } finally {
    useBackend(previous);
  }
}

async function host(size: number, seed: number, square = false): Promise<Float64Array> {
  const values = Float64Array.from(await randn([size], { seed }).data());
  for (let i = 0; i < size; i++) {
    if (square) values[i] = values[i]! * values[i]! * 1e-3;
    if (i % 89 === 0) values[i] = 0;
  }
  return values;
}

async function runStep(backend: Backend, inputs: Float64Array[], dtype: DType, attrs: LionStepAttrs | AdamStepAttrs): Promise<number[][]> {
  return on(backend, async () => {
    const ts = inputs.map((x) => tensor(x, [x.length], dtype));
    const outs = inputs.length === 3 ? runKernel(LionStep, ts, attrs as LionStepAttrs) : runKernel(AdamStep, ts, attrs as AdamStepAttrs);
    const values: number[][] = [];
    for (const t of outs) values.push(Array.from(await t.data()));
    for (const t of [...ts, ...outs]) t.dispose();
    return values;
  });
}

const status = nativeStatus();

describe.skipIf(!status.available)(`fused optimizer steps on the native backend${status.available ? '' : ` (skipped: ${status.reason})`}`, () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const decay of [null, 0.9993]) {
      it(`LionStep and AdamStep equal their decompositions bit for bit (${dtype}${decay === null ? '' : ', decay'})`, async () => {
        const native = await createNativeBackend({ threads: 2, fallback: 'throw' });
        const size = 40_000;
        const lion: LionStepAttrs = { lr: 1e-4, beta1: 0.9, beta2: 0.95, decay };
        const lionInputs = [await host(size, 1), await host(size, 2), await host(size, 3)];
        expect(await runStep(native, lionInputs, dtype, lion)).toEqual(await runStep(new Reference(), lionInputs, dtype, lion));
        const adam: AdamStepAttrs = { stepSize: 1e-3 / (1 - 0.9 ** 2), beta1: 0.9, beta2: 0.999, eps: 1e-8, correction2: Math.sqrt(1 - 0.999 ** 2), decay };
        const adamInputs = [await host(size, 4), await host(size, 5), await host(size, 6), await host(size, 7, true)];
        expect(await runStep(native, adamInputs, dtype, adam)).toEqual(await runStep(new Reference(), adamInputs, dtype, adam));
        expect(findKernel(LionStep, native)).toBeDefined();
        expect(findKernel(AdamStep, native)).toBeDefined();
        expect(findKernel(LionStep, new Reference())).toBeUndefined();
      });
    }
  }

  it('three optimizer steps give the same parameters and state on both backends', async () => {
    const native = await createNativeBackend({ threads: 2, fallback: 'throw' });
    const shapes: Record<string, number[]> = { w: [33, 65], b: [65] };
    const run = async (backend: Backend, make: () => Optimizer): Promise<number[][]> => on(backend, async () => {
      const optimizer = make();
      let params: Record<string, Tensor> = Object.fromEntries(Object.entries(shapes).map(([k, s], i) => [k, randn(s, { seed: 10 + i })]));
      for (let step = 0; step < 3; step++) {
        const grads = Object.fromEntries(Object.entries(shapes).map(([k, s], i) => [k, randn(s, { seed: 100 * step + i })]));
        const next = optimizer.step(params, grads, 1e-3 * (1 - step / 10));
        for (const t of [...Object.values(params), ...Object.values(grads)]) t.dispose();
        params = next;
      }
      const out: number[][] = [];
      for (const t of [...Object.values(params), ...Object.values(optimizer.stateDict().tensors)]) out.push(Array.from(await t.data()));
      optimizer.dispose();
      return out;
    });
    for (const make of [() => new DecoupledLionW({ lr: 1e-3, weightDecay: 0.1 }), () => new AdamW({ lr: 1e-3, weightDecay: 0.01 })]) {
      expect(await run(native, make)).toEqual(await run(new Reference(), make));
    }
  });
});
