/**
 * Every kernel definition (enumerated at run time, so definitions added later are caught) has a
 * conformance case, and every differentiable one has a gradient rule and a gradient-checked case.
 * Definitions named `Test...` are test-only throwaways (see grad-check.test.ts) and are ignored.
 */
import { describe, expect, it } from 'vitest';
import { createCpuBackend, kernelDefs, type Backend, type KernelDef, type KernelRegistration } from '@tessera/tensor';
import { isDifferentiableCase } from './case.js';
import { conformanceCases } from './cases/index.js';
import { TEST_ONLY_PREFIX, coverageProblems } from './coverage.js';
import { caseInputs, runCase } from './run-case.js';

describe('conformance completeness', () => {
  it('finds the core kernel definitions', () => {
    expect(kernelDefs().filter((d) => !d.name.startsWith(TEST_ONLY_PREFIX)).length).toBeGreaterThanOrEqual(40);
  });

  it('covers every kernel definition: a case each; a gradient rule and a gradient-checked case for differentiable ones', () => {
    expect(coverageProblems()).toEqual([]);
  });

  it('reports a definition added later without a case, rule or differentiable case', () => {
    // Not registered (no defineKernel), so it cannot leak into other tests.
    const infer = (inputs: readonly { shape: readonly number[]; dtype: 'float32' }[]) => [...inputs];
    const Silu: KernelDef<never> = { name: 'Silu', inputs: ['x'], infer };
    const ArgSort: KernelDef<never> = { name: 'ArgSort', inputs: ['x'], differentiable: false, infer };
    expect(coverageProblems([...kernelDefs(), Silu, ArgSort])).toEqual(['Silu: no conformance case', 'ArgSort: no conformance case']);
    const silu = { name: 'silu', kernel: 'Silu', inputs: () => [], run: () => { throw new Error('unused'); } };
    expect(coverageProblems([Silu], [silu])).toEqual([
      'Silu: no gradient rule (defineGrad), and not marked differentiable: false',
      'Silu: no differentiable conformance case, so no finite-difference check',
    ]);
    expect(coverageProblems([Silu], [{ ...silu, differentiable: true }])).toEqual([
      'Silu: no gradient rule (defineGrad), and not marked differentiable: false',
    ]);
  });

  it('names only existing kernel definitions in cases', () => {
    const names = new Set(kernelDefs().map((d) => d.name));
    expect(conformanceCases.map((c) => c.kernel).filter((k) => !names.has(k))).toEqual([]);
  });

  it('gives every case a unique name', () => {
    const seen = new Set<string>();
    const duplicates = conformanceCases.map((c) => c.name).filter((n) => seen.size === seen.add(n).size);
    expect(duplicates).toEqual([]);
  });

  it('marks no case of a non-differentiable kernel differentiable', () => {
    for (const c of conformanceCases) {
      const def = kernelDefs().find((d) => d.name === c.kernel);
      if (def?.differentiable === false) expect(isDifferentiableCase(c), c.name).toBe(false);
    }
  });

  it('dispatches the kernel each case names (kernels that reach a backend)', async () => {
    const seen = new Set<string>();
    const backend = recordingBackend(createCpuBackend(), seen);
    const notDispatched: string[] = [];
    for (const c of conformanceCases) {
      const def = kernelDefs().find((d) => d.name === c.kernel);
      if (!def || def.view) continue; // views change (shape, strides, offset) in the engine, never on a backend
      seen.clear();
      const hosts = await caseInputs(backend, c);
      await runCase(backend, c, hosts, (c.dtypes ?? ['float32'])[0]!);
      if (!seen.has(c.kernel)) notDispatched.push(`${c.name} (ran: ${[...seen].join(', ')})`);
    }
    expect(notDispatched).toEqual([]);
  });
});

/** A view of `target` under another name whose kernels record the definitions they run. */
function recordingBackend(target: Backend, seen: Set<string>): Backend {
  const kernels: KernelRegistration<Backend>[] = target.kernels.map((registration) => ({
    def: registration.def,
    run: (context) => {
      seen.add(registration.def.name);
      registration.run(context);
    },
  }));
  // Methods are bound to the target, so backends with private fields work through the proxy.
  return new Proxy(target, {
    get(object, property) {
      if (property === 'name') return `${object.name}-recording`;
      if (property === 'kernels') return kernels;
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
