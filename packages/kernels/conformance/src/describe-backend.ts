/**
 * `describeBackend`: the vitest suite every backend package runs against the reference.
 */
import { beforeAll, describe, it } from 'vitest';
import { createCpuBackend, isFloat, type Backend, type DType } from '@tessera/tensor';
import { DEFAULT_CASE_DTYPES, isDifferentiableCase, type ConformanceCase } from './case.js';
import { conformanceCases } from './cases/index.js';
import { checkCaseForward, checkCaseGradients, checkDecomposition } from './run-case.js';

/** Options of {@link describeBackend}. @example `{ skip: { Gelu: 'no erf yet' }, dtypes: ['float32'] }` */
export interface DescribeBackendOptions {
  /** Kernel or case name -> why it is skipped. The reason is printed in the skipped test's title. */
  skip?: Readonly<Record<string, string>>;
  /**
   * Dtypes to test (default: all). Dtypes the backend's `supportsDType` rejects are skipped at
   * run time with a note.
   */
  dtypes?: readonly DType[];
  /** The cases to run (default: {@link conformanceCases}); a backend may append its own. */
  cases?: readonly ConformanceCase[];
}

/** Dtypes in which gradients are compared; half dtypes are storage formats, checked forward only. @example `GRADIENT_DTYPES.includes('float16') // false` */
export const GRADIENT_DTYPES: readonly DType[] = ['float32', 'float64'];

/**
 * Define a vitest `describe` block that runs every conformance case on the backend `factory`
 * makes, comparing outputs and gradients with the reference CPU backend in float64, and each
 * composite kernel's fused result with its decomposition. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * // packages/kernels/wasm/test/conformance.test.ts
 * import { describeBackend } from '@tessera/kernels-conformance';
 * import { createWasmBackend } from '../src/index.js';
 *
 * describeBackend('wasm', () => createWasmBackend({ threads: 1 }), {
 *   skip: { CrossEntropy: 'no fused kernel yet; decomposition covered by the reference' },
 * });
 * ```
 */
export function describeBackend(
  name: string,
  factory: () => Backend | Promise<Backend>,
  options: DescribeBackendOptions = {},
): void {
  const cases = options.cases ?? conformanceCases;
  const skip = options.skip ?? {};
  const wanted = (dtype: DType): boolean => options.dtypes === undefined || options.dtypes.includes(dtype);

  describe(`backend conformance: ${name}`, () => {
    let backend: Backend | undefined;
    const reference = createCpuBackend();
    beforeAll(async () => {
      backend = await factory();
    });
    const current = (): Backend => {
      if (!backend) throw new Error(`the factory for backend '${name}' has not produced a backend`);
      return backend;
    };
    const requireDType = (skipTest: (note: string) => void, dtype: DType): void => {
      if (!current().supportsDType(dtype)) skipTest(`backend '${current().name}' does not support ${dtype}`);
    };

    it('names only existing kernels or cases in skip', () => {
      const known = new Set(cases.flatMap((c) => [c.name, c.kernel]));
      const unknown = Object.keys(skip).filter((key) => !known.has(key));
      if (unknown.length) throw new Error(`skip names no kernel or case: ${unknown.join(', ')}`);
    });

    for (const [kernel, group] of groupByKernel(cases)) {
      describe(kernel, () => {
        for (const c of group) {
          const reason = skip[c.name] ?? skip[c.kernel];
          for (const dtype of (c.dtypes ?? DEFAULT_CASE_DTYPES).filter(wanted)) {
            const title = `${c.name} [${dtype}]`;
            if (reason !== undefined) {
              it.skip(`${title} (skipped: ${reason})`, () => {});
              continue;
            }
            it(title, async ({ skip: skipTest }) => {
              requireDType(skipTest, dtype);
              await checkCaseForward(current(), reference, c, dtype);
            });
            if (isDifferentiableCase(c) && GRADIENT_DTYPES.includes(dtype)) {
              it(`${title} gradients`, async ({ skip: skipTest }) => {
                requireDType(skipTest, dtype);
                await checkCaseGradients(current(), reference, c, dtype);
              });
            }
          }
        }
      });
    }

    describe('composite kernels: fused = decomposition', () => {
      for (const c of cases) {
        if (!c.call) continue;
        const reason = skip[c.name] ?? skip[c.kernel];
        for (const dtype of (c.dtypes ?? DEFAULT_CASE_DTYPES).filter((d) => isFloat(d) && wanted(d))) {
          const title = `${c.kernel}: ${c.name} [${dtype}]`;
          if (reason !== undefined) {
            it.skip(`${title} (skipped: ${reason})`, () => {});
            continue;
          }
          it(title, async ({ skip: skipTest }) => {
            requireDType(skipTest, dtype);
            await checkDecomposition(current(), reference, c, dtype);
          });
        }
      }
    });
  });
}

function groupByKernel(cases: readonly ConformanceCase[]): Map<string, ConformanceCase[]> {
  const groups = new Map<string, ConformanceCase[]>();
  for (const c of cases) {
    const group = groups.get(c.kernel);
    if (group) group.push(c);
    else groups.set(c.kernel, [c]);
  }
  return groups;
}
