/**
 * `describeGemm`: matrix products beyond the conformance cases, on sizes and layouts that stress
 * a backend's blocked GEMM, with one and two threads against the reference CPU backend in float64.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cast, createCpuBackend, matmul, randn, reshape, slice, squeeze, tensor, transpose, type Backend, type DType, type Tensor } from '@tessera/tensor';
import { onBackend } from '../host.js';
import { assertClose } from '../run-case.js';
import { toleranceFor } from '../tolerance.js';

/** One product: seeded normal inputs of `shapes`, combined by `run`. @example `{ name: 'A B', shapes: [[3, 4], [4, 5]], run: (a, b) => matmul(a, b) }` */
export interface GemmCase {
  readonly name: string;
  readonly shapes: readonly (readonly number[])[];
  readonly run: (a: Tensor, b: Tensor) => Tensor;
}

/**
 * Layouts every blocked GEMM special-cases, whatever its block sizes: a linear layer (A B^T), no
 * unit stride in either operand, a broadcast batch dim, offset slices, vector @ matrix and a
 * single column. Backends add the cases that cross their own blocking boundaries.
 *
 * @example `describeGemm('wasm', make, { cases: [...ownCases, ...GEMM_LAYOUT_CASES] })`
 */
export const GEMM_LAYOUT_CASES: readonly GemmCase[] = [
  { name: 'A B^T (a linear layer)', shapes: [[97, 300], [130, 300]], run: (a, b) => matmul(a, transpose(b)) },
  {
    name: 'no unit stride in either operand', shapes: [[40, 2, 70, 2], [70, 3, 33]],
    run: (a, b) => matmul(squeeze(slice(slice(a, 1, 0, 1), 3, 1, 2), [1, 3]), squeeze(slice(b, 1, 2, 3), 1)),
  },
  { name: 'batched with a broadcast batch dim', shapes: [[3, 1, 70, 90], [4, 90, 50]], run: (a, b) => matmul(a, b) },
  { name: 'offset slices', shapes: [[320, 200], [210, 75]], run: (a, b) => matmul(slice(a, 0, 5, 305), slice(b, 0, 10)) },
  { name: 'vector @ matrix and a single column', shapes: [[1, 513], [513, 1]], run: (a, b) => matmul(reshape(a, [513]), matmul(b, reshape(a, [1, 513]))) },
];

/** What a {@link describeGemm} factory is asked for: a thread count and, when the suite runs per path, the path. */
export interface GemmBackendRequest {
  readonly threads: 1 | 2;
  /** One of {@link GemmOptions.paths}, or undefined for the backend's default. */
  readonly path?: string;
}

/** Options of {@link describeGemm}. @example `{ cases: [...own, ...GEMM_LAYOUT_CASES], dtypes: ['float32'] }` */
export interface GemmOptions {
  /** The products (default {@link GEMM_LAYOUT_CASES}). */
  cases?: readonly GemmCase[];
  /** Dtypes to compute in (default float32 and float64). */
  dtypes?: readonly DType[];
  /** Code paths (ISA variants, say) every product runs on (default: the backend's default path only). */
  paths?: readonly string[];
  /** When set, the whole block is skipped and this reason is printed in its title. */
  skip?: string;
}

/**
 * Define a vitest `describe` block (`<name> gemm`): each case in each dtype, on every path in
 * `options.paths`, with 1 and 2 threads. The inputs are rounded to the dtype; the result is within
 * `toleranceFor(dtype)` of the reference CPU backend computing on those inputs in float64, and
 * two threads give exactly the one-thread result.
 *
 * @example
 * ```ts
 * // packages/kernels/wasm/test/gemm.test.ts
 * describeGemm('wasm', ({ threads }) => createWasmBackend({ threads }), { cases: [...ownCases, ...GEMM_LAYOUT_CASES], dtypes: ['float32'] });
 * ```
 */
export function describeGemm(
  name: string,
  factory: (request: GemmBackendRequest) => Backend | Promise<Backend>,
  options: GemmOptions = {},
): void {
  const cases = options.cases ?? GEMM_LAYOUT_CASES;
  const dtypes = options.dtypes ?? (['float32', 'float64'] as const);
  const paths: readonly (string | undefined)[] = options.paths ?? [undefined];
  const block = options.skip === undefined ? describe : describe.skip;
  block(`${name} gemm${options.skip === undefined ? '' : ` (skipped: ${options.skip})`}`, () => {
    const backends = new Map<string, Backend>();
    const reference = createCpuBackend();
    const key = (path: string | undefined, threads: 1 | 2): string => `${path ?? 'default'}/${threads}`;

    beforeAll(async () => {
      for (const path of paths) {
        for (const threads of [1, 2] as const) {
          backends.set(key(path, threads), await factory(path === undefined ? { threads } : { threads, path }));
        }
      }
    });

    const values = new Map<string, Float64Array[]>();
    /** Seeded normal inputs of a case, made once. */
    const hostInputs = async (c: GemmCase): Promise<Float64Array[]> => {
      if (!values.has(c.name)) {
        values.set(c.name, await onBackend(reference, () => Promise.all(c.shapes.map(async (shape, i) => {
          const t = randn([...shape], { seed: 100 + i, dtype: 'float64' });
          const data = Float64Array.from(await t.data());
          t.dispose();
          return data;
        }))));
      }
      return values.get(c.name)!;
    };

    /** The case in `compute`, its inputs first rounded to `dtype`. */
    const run = async (backend: Backend, c: GemmCase, dtype: DType, compute = dtype): Promise<Float64Array> => {
      const host = await hostInputs(c);
      return onBackend(backend, async () => {
        const inputs = c.shapes.map((shape, i) => cast(tensor(host[i]!, [...shape], dtype), compute));
        const y = c.run(inputs[0]!, inputs[1]!);
        const result = Float64Array.from(await y.data());
        y.dispose();
        for (const t of inputs) t.dispose();
        return result;
      });
    };

    for (const c of cases) {
      for (const dtype of dtypes) {
        it(`${c.name} [${dtype}] with 1 and 2 threads${options.paths === undefined ? '' : ' on every path'}`, async () => {
          const result = await run(reference, c, dtype, 'float64');
          const want = { values: result, shape: [result.length], dtype: 'float64' as const };
          for (const path of paths) {
            const where = path === undefined ? name : `${name} ${path}`;
            const one = await run(backends.get(key(path, 1))!, c, dtype);
            const two = await run(backends.get(key(path, 2))!, c, dtype);
            assertClose(`${c.name} on ${where}`, { values: one, shape: want.shape, dtype }, want, toleranceFor(dtype));
            expect(two, `${where}: two threads give exactly the one-thread result`).toEqual(one);
          }
        });
      }
    }
  });
}
