/**
 * `describeOptimizerSteps`: the fused optimizer steps (`LionStep`, `AdamStep`) of a backend
 * against their decompositions, bit for bit. The trainer owns the definitions (`LionStep`,
 * `AdamStep` in @tessera/trainer) and neither the kernel packages nor this one depend on it, so
 * they are restated here once, with the same names, attributes and decompositions; the trainer's
 * test/optim-kernels.test.ts runs its real definitions on the backends too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CpuBackend, defineKernel, findKernel, randn, runKernel, tensor, type Backend, type DType, type KernelRegistration, type TensorMeta,
} from '@tessera/tensor';
import { onBackend } from '../host.js';

/** The attributes of the trainer's `LionStep` (`LionStepAttrs` there). @example `{ lr: 3e-4, beta1: 0.9, beta2: 0.99, decay: null }` */
export interface LionStepAttrs {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  /** The multiplier `1 - lr * weightDecay` applied to the parameter first, or null for none. */
  readonly decay: number | null;
}

/** The attributes of the trainer's `AdamStep` (`AdamStepAttrs` there). @example `{ stepSize: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, correction2: 1, decay: null }` */
export interface AdamStepAttrs {
  readonly stepSize: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly correction2: number;
  /** The multiplier `1 - lr * weightDecay` applied to the parameter first, or null for none. */
  readonly decay: number | null;
}

const same = (inputs: readonly TensorMeta[]): TensorMeta => ({ shape: inputs[0]!.shape, dtype: inputs[0]!.dtype });

/**
 * The trainer's `LionStep` definition, restated (src/optim/lion-step.ts there): inputs
 * `[param, grad, expAvg]`, outputs `[param', expAvg']`.
 *
 * @example `runKernel(LionStepDef, [p, g, m], { lr: 3e-4, beta1: 0.9, beta2: 0.99, decay: null })`
 */
export const LionStepDef = defineKernel<LionStepAttrs>({
  name: 'LionStep',
  inputs: ['param', 'grad', 'expAvg'],
  differentiable: false,
  infer: (inputs) => [same(inputs), same(inputs)],
  decompose: ([p, g, m], { lr, beta1, beta2, decay }, ops) => {
    const decayed = decay !== null ? ops.mul(p!, decay) : p!;
    const update = ops.sign(ops.add(m!, ops.mul(ops.sub(g!, m!), 1 - beta1)));
    return [ops.sub(decayed, ops.mul(update, lr)), ops.add(m!, ops.mul(ops.sub(g!, m!), 1 - beta2))];
  },
});

/**
 * The trainer's `AdamStep` definition, restated (src/optim/adam-step.ts there): inputs
 * `[param, grad, expAvg, expAvgSq]`, outputs `[param', expAvg', expAvgSq']`.
 *
 * @example `runKernel(AdamStepDef, [p, g, m, v], { stepSize: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, correction2: 1, decay: null })`
 */
export const AdamStepDef = defineKernel<AdamStepAttrs>({
  name: 'AdamStep',
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

/** The kernel names {@link describeOptimizerSteps} expects a backend to register. @example `OPTIMIZER_STEP_KERNELS.includes('LionStep') // true` */
export const OPTIMIZER_STEP_KERNELS: readonly string[] = [LionStepDef.name, AdamStepDef.name];

/** Options of {@link describeOptimizerSteps}. @example `{ shapes: [[1000], [190, 191]], skip: 'addon not built' }` */
export interface OptimizerStepsOptions {
  /** Shapes to step (default `[[1000], [37, 129], [190, 191]]`; include one above the backend's threading grain). */
  shapes?: readonly (readonly number[])[];
  /** Dtypes to step in (default float32 and float64). */
  dtypes?: readonly DType[];
  /** When set, the whole block is skipped and this reason is printed in its title. */
  skip?: string;
}

/** The backend under another name, without the fused steps: their decompositions run on its primitives. */
function decomposedOn(target: Backend): Backend {
  const fused = new Set(OPTIMIZER_STEP_KERNELS);
  const kernels: KernelRegistration<Backend>[] = target.kernels.filter((k) => !fused.has(k.def.name));
  return new Proxy(target, {
    get(object, property) {
      if (property === 'name') return `${object.name}-decomposed-optim`;
      if (property === 'kernels') return kernels;
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

/** A fresh reference CPU backend under its own name (its kernels never include the fused steps). */
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

type StepCall = { kind: 'lion'; attrs: LionStepAttrs } | { kind: 'adam'; attrs: AdamStepAttrs };

async function step(backend: Backend, call: StepCall, inputs: readonly Float64Array[], shape: readonly number[], dtype: DType): Promise<number[][]> {
  return onBackend(backend, async () => {
    const ts = inputs.map((x) => tensor(x, [...shape], dtype));
    const outs = call.kind === 'lion' ? runKernel(LionStepDef, ts, call.attrs) : runKernel(AdamStepDef, ts, call.attrs);
    const result: number[][] = [];
    for (const t of outs) result.push(Array.from(await t.data()));
    for (const t of [...ts, ...outs]) t.dispose();
    return result;
  });
}

/**
 * Define a vitest `describe` block (`<name> fused optimizer steps`) checking that every backend
 * `factory` makes registers `LionStep` and `AdamStep` and that the fused steps give the same bits
 * as the reference CPU backend's decomposition and as the decomposition run on the first backend's
 * own primitives: float32 and float64, with and without weight decay, with exact zeros in the
 * inputs. Pass several backends (1 and 2 threads, say) to check they agree too.
 *
 * @example
 * ```ts
 * // packages/kernels/wasm/test/optim.test.ts
 * describeOptimizerSteps('wasm', async () => [await createWasmBackend({ threads: 1 }), await createWasmBackend({ threads: 2 })]);
 * ```
 */
export function describeOptimizerSteps(
  name: string,
  factory: () => readonly Backend[] | Promise<readonly Backend[]>,
  options: OptimizerStepsOptions = {},
): void {
  const shapes = options.shapes ?? [[1000], [37, 129], [190, 191]];
  const dtypes = options.dtypes ?? (['float32', 'float64'] as const);
  const block = options.skip === undefined ? describe : describe.skip;
  block(`${name} fused optimizer steps${options.skip === undefined ? '' : ` (skipped: ${options.skip})`}`, () => {
    let backends: readonly Backend[] = [];
    beforeAll(async () => {
      backends = await factory();
      if (backends.length === 0) throw new Error(`describeOptimizerSteps('${name}'): the factory returned no backend`);
    });

    it('are registered on the backend (and not on the reference)', async () => {
      for (const backend of backends) {
        await onBackend(backend, () => {}); // a backend's kernels are registered when it is first used
        expect(findKernel(LionStepDef, backend), backend.name).toBeDefined();
        expect(findKernel(AdamStepDef, backend), backend.name).toBeDefined();
      }
      expect(findKernel(LionStepDef, new ReferenceCpu())).toBeUndefined();
      expect(findKernel(AdamStepDef, new ReferenceCpu())).toBeUndefined();
    });

    const check = async (call: StepCall, inputs: readonly Float64Array[], shape: readonly number[], dtype: DType): Promise<void> => {
      const want = await step(new ReferenceCpu(), call, inputs, shape, dtype);
      for (const backend of backends) {
        expect(await step(backend, call, inputs, shape, dtype), backend.name).toEqual(want);
      }
      expect(await step(decomposedOn(backends[0]!), call, inputs, shape, dtype)).toEqual(want);
    };

    for (const dtype of dtypes) {
      for (const shape of shapes) {
        for (const decay of [null, 1 - 0.7 * 1e-2]) {
          const size = shape.reduce((a, b) => a * b, 1);
          const label = `${dtype} [${shape.join(', ')}]${decay === null ? '' : ' with decay'}`;

          it(`LionStep is bit-identical to its decomposition: ${label}`, async () => {
            const inputs = [await hostValues(size, 1), await hostValues(size, 2), await hostValues(size, 3)];
            await check({ kind: 'lion', attrs: { lr: 3e-4, beta1: 0.9, beta2: 0.99, decay } }, inputs, shape, dtype);
          });

          it(`AdamStep is bit-identical to its decomposition: ${label}`, async () => {
            const inputs = [await hostValues(size, 4), await hostValues(size, 5), await hostValues(size, 6), await hostValues(size, 7, true)];
            const t = 3;
            const attrs: AdamStepAttrs = {
              stepSize: 1e-3 / (1 - 0.9 ** t), beta1: 0.9, beta2: 0.999, eps: 1e-8, correction2: Math.sqrt(1 - 0.999 ** t), decay,
            };
            await check({ kind: 'adam', attrs }, inputs, shape, dtype);
          });
        }
      }
    }
  });
}
