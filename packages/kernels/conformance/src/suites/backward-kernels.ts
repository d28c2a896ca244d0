/**
 * `describeBackwardKernels`: a backend's fused backward kernels (`GeluBackward`,
 * `LayerNormBackward`, `CrossEntropyBackward`) on shapes large enough to be split between threads.
 * The small shapes and edge cases are in the conformance cases {@link describeBackend} runs.
 */
import { describe, expect, it } from 'vitest';
import {
  CpuBackend, InvalidArgumentError, findKernel, kernels as K, randn, runKernel, scalar, tensor, type Backend, type DType, type KernelDef,
  type Tensor,
} from '@tessera/tensor';
import { onBackend } from '../host.js';

/** What a {@link describeBackwardKernels} factory is asked for: a thread count and, when the suite runs per path, the path. */
export interface BackwardKernelsRequest {
  readonly threads: 1 | 2;
  /** One of {@link BackwardKernelsOptions.paths}, or undefined for the backend's default. */
  readonly path?: string;
}

/** Options of {@link describeBackwardKernels}. @example `{ paths: ['scalar', 'avx2'], crossEntropyRows: 300 }` */
export interface BackwardKernelsOptions {
  /** Code paths (ISA variants, say) the float32 check runs on, one test each; default: the backend's default path only. */
  paths?: readonly string[];
  /** Rows of the `CrossEntropyBackward` problem (default 300); choose enough for the backend to split them between threads. */
  crossEntropyRows?: number;
  /** Dtypes the 1-and-2-threads bit check and the float64 check run in (default float32 and float64). */
  dtypes?: readonly ('float32' | 'float64')[];
  /** When set, the whole block is skipped and this reason is printed in its title. */
  skip?: string;
}

interface Host { values: Float64Array; shape: number[]; int?: boolean }

interface Problem {
  name: string;
  def: KernelDef<never>;
  attrs: unknown;
  /** Host inputs: float values (cast to the dtype) or int32 targets. */
  inputs: () => Promise<Host[]>;
}

async function normal(shape: number[], seed: number, scale = 1): Promise<Host> {
  const values = Float64Array.from(await onBackend(new CpuBackend(), () => randn([shape.reduce((a, b) => a * b, 1)], { seed }).data()));
  return { values: values.map((v) => v * scale), shape };
}

function targets(rows: number, classes: number, ignore: number): Host {
  const values = new Float64Array(rows);
  for (let r = 0; r < rows; r++) values[r] = r % 7 === 3 ? ignore : (r * 37 + 11) % classes;
  return { values, shape: [rows], int: true };
}

function problems(ceRows: number): Problem[] {
  return [
    ...(['none', 'tanh'] as const).map((approximate): Problem => ({
      name: `GeluBackward ${approximate} [300, 257]`, def: K.GeluBackward as KernelDef<never>, attrs: { approximate },
      inputs: async () => [await normal([300, 257], 1), await normal([300, 257], 2, 3)],
    })),
    ...[false, true].map((bias): Problem => ({
      name: `LayerNormBackward ${bias ? 'with' : 'without'} bias [2, 300, 129]`, def: K.LayerNormBackward as KernelDef<never>, attrs: { eps: 1e-5, bias },
      inputs: async () => [await normal([2, 300, 129], 3), await normal([2, 300, 129], 4, 2), await normal([129], 5)],
    })),
    {
      name: `CrossEntropyBackward [${ceRows}, 131] with ignored targets`, def: K.CrossEntropyBackward as KernelDef<never>, attrs: { ignoreIndex: -100 },
      inputs: async () => [await normal([ceRows, 131], 6, 3), targets(ceRows, 131, -100), { values: Float64Array.of(0.5), shape: [] }],
    },
  ];
}

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

/** max |a - b| / max(1, max |b|), per output (NaN in `a` counts as infinitely wrong). */
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

/**
 * Define a vitest `describe` block (`<name> fused backward kernels`) checking `GeluBackward` (none
 * and tanh), `LayerNormBackward` (with and without bias) and `CrossEntropyBackward` (with ignored
 * targets) on shapes split between threads: the fused kernel is registered and its float32 result
 * is within 3e-6 of the reference computed in float64 (on every path in `options.paths`); float64
 * is within 1e-12; 1 and 2 threads give identical bits; and a target outside [0, C) that is not
 * `ignoreIndex` is rejected with an `InvalidArgumentError` naming it.
 *
 * @example
 * ```ts
 * // packages/kernels/wasm/test/nn-backward.test.ts
 * describeBackwardKernels('wasm', ({ threads }) => createWasmBackend({ threads }), { crossEntropyRows: 600 });
 * ```
 */
export function describeBackwardKernels(
  name: string,
  factory: (request: BackwardKernelsRequest) => Backend | Promise<Backend>,
  options: BackwardKernelsOptions = {},
): void {
  const dtypes = options.dtypes ?? (['float32', 'float64'] as const);
  const block = options.skip === undefined ? describe : describe.skip;
  block(`${name} fused backward kernels${options.skip === undefined ? '' : ` (skipped: ${options.skip})`}`, () => {
    for (const p of problems(options.crossEntropyRows ?? 300)) {
      for (const path of options.paths ?? [undefined]) {
        it(`${p.name}${path === undefined ? '' : `, ${path}`}: float32 matches the float64 reference`, async () => {
          const backend = await factory(path === undefined ? { threads: 2 } : { threads: 2, path });
          const errors = relativeErrors(await run(backend, p, 'float32'), await run(new CpuBackend(), p, 'float64'));
          expect(findKernel(p.def, backend)).toBeDefined(); // the fused kernel ran, not the decomposition
          for (const e of errors) expect(e).toBeLessThan(3e-6);
        });
      }

      if (dtypes.includes('float64')) {
        it(`${p.name}: float64 matches the reference`, async () => {
          const backend = await factory({ threads: 2 });
          const errors = relativeErrors(await run(backend, p, 'float64'), await run(new CpuBackend(), p, 'float64'));
          for (const e of errors) expect(e).toBeLessThan(1e-12);
        });
      }

      it(`${p.name}: 1 and 2 threads give identical bits`, async () => {
        for (const dtype of dtypes) {
          const one = await run(await factory({ threads: 1 }), p, dtype);
          const two = await run(await factory({ threads: 2 }), p, dtype);
          expect(two, dtype).toEqual(one);
        }
      });
    }

    it('CrossEntropyBackward rejects a target outside [0, C) that is not ignoreIndex', async () => {
      await onBackend(await factory({ threads: 2 }), () => {
        const logits = tensor(new Float64Array(12), [3, 4], 'float32');
        const t = tensor([1, 4, -100], [3], 'int32');
        expect(() => runKernel(K.CrossEntropyBackward, [logits, t, scalar(1, 'float32')], { ignoreIndex: -100 })).toThrow(InvalidArgumentError);
        expect(() => runKernel(K.CrossEntropyBackward, [logits, t, scalar(1, 'float32')], { ignoreIndex: -100 })).toThrow(/target 4 at position 1/);
      });
    });
  });
}
