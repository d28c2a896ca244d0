/**
 * Coverage of kernel definitions by conformance cases: what the completeness test asserts, as a
 * function so a package that defines its own kernels can run the same check on them.
 */
import { gradRuleOf, kernelDefs, type KernelDef } from '@tessera/tensor';
import { isDifferentiableCase, type ConformanceCase } from './case.js';
import { conformanceCases } from './cases/index.js';

/** Kernel definitions whose names start with this are test-only throwaways and are ignored. @example `defineKernel({ name: 'TestSquare', ... })` */
export const TEST_ONLY_PREFIX = 'Test';

/**
 * Problems with how `cases` cover `defs` (by default every definition registered now, minus
 * test-only ones): a definition without a case; a differentiable one (not marked
 * `differentiable: false`) without a gradient rule or without a differentiable case (whose
 * gradients are then finite-difference checked). Empty when complete.
 *
 * @example
 * ```ts
 * expect(coverageProblems()).toEqual([]);
 * ```
 */
export function coverageProblems(
  defs: readonly KernelDef<never>[] = kernelDefs().filter((d) => !d.name.startsWith(TEST_ONLY_PREFIX)),
  cases: readonly ConformanceCase[] = conformanceCases,
): string[] {
  const covered = new Set(cases.map((c) => c.kernel));
  const checked = new Set(cases.filter(isDifferentiableCase).map((c) => c.kernel));
  return defs.flatMap((d) => {
    if (!covered.has(d.name)) return [`${d.name}: no conformance case`];
    if (d.differentiable === false) return [];
    return [
      ...(gradRuleOf(d) ? [] : [`${d.name}: no gradient rule (defineGrad), and not marked differentiable: false`]),
      ...(checked.has(d.name) ? [] : [`${d.name}: no differentiable conformance case, so no finite-difference check`]),
    ];
  });
}
