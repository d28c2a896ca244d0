/**
 * The suite can fail: backends with a wrong kernel, a wrong gradient-only kernel, a leak, or a
 * fused kernel that disagrees with its decomposition are all caught.
 */
import { describe, expect, it } from 'vitest';
import { createCpuBackend, kernels, type Backend, type CpuBackend, type KernelContext, type KernelRegistration } from '@tessera/tensor';
import type { ConformanceCase } from './case.js';
import { conformanceCases } from './cases/index.js';
import { checkCaseForward, checkCaseGradients, checkDecomposition } from './run-case.js';
import { compareValues, toleranceFor } from './tolerance.js';

type Run = (context: KernelContext<unknown, Backend>, cpu: CpuBackend) => void;

let nextName = 0;

/**
 * A CPU backend under a new name with some kernels replaced, and optionally a `dispose` that
 * frees nothing. Methods are bound to the real backend (its private fields).
 */
function patchedBackend(overrides: Record<string, Run>, options: { leak?: boolean } = {}): Backend {
  const cpu = createCpuBackend();
  const kernelList: KernelRegistration<Backend>[] = cpu.kernels.map((registration) => {
    const override = overrides[registration.def.name];
    return override ? { def: registration.def, run: (context) => override(context, cpu) } : registration;
  });
  const name = `cpu-patched-${nextName++}`;
  return new Proxy(cpu, {
    get(object, property) {
      if (property === 'name') return name;
      if (property === 'kernels') return kernelList;
      if (property === 'dispose' && options.leak) return () => {};
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

function original(name: string): KernelRegistration<Backend> {
  const registration = createCpuBackend().kernels.find((r) => r.def.name === name);
  if (!registration) throw new Error(`no cpu kernel ${name}`);
  return registration;
}

/** Run the real kernel, then scale the first output element by (1 + relative). */
function perturbed(name: string, relative: number): Run {
  const real = original(name);
  return (context, cpu) => {
    real.run({ ...context, backend: cpu });
    const out = cpu.array(context.outputs[0]!.handle);
    out[0] = out[0]! * (1 + relative);
  };
}

function caseNamed(name: string): ConformanceCase {
  const c = conformanceCases.find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  return c;
}

const reference = createCpuBackend();

describe('the checks catch broken backends', () => {
  it('passes the unmodified reference', async () => {
    await checkCaseForward(createCpuBackend(), reference, caseNamed('exp'), 'float32');
  });

  it('catches an output off by 1e-4 in float32 and 5e-2 in float16', async () => {
    const backend = patchedBackend({ Exp: perturbed('Exp', 1e-4) });
    await expect(checkCaseForward(backend, reference, caseNamed('exp'), 'float32')).rejects.toThrow(/1 of 12 elements differ/);
    await checkCaseForward(backend, reference, caseNamed('exp'), 'float16'); // 1e-4 is below half precision
    const worse = patchedBackend({ Exp: perturbed('Exp', 5e-2) });
    await expect(checkCaseForward(worse, reference, caseNamed('exp'), 'float16')).rejects.toThrow(/differ beyond tolerance/);
  });

  it('catches a wrong kernel used only by a gradient (ScatterAdd overwriting instead of accumulating)', async () => {
    const backend = patchedBackend({
      ScatterAdd: ({ inputs: [dy, ids], outputs: [y] }, cpu) => {
        const g = cpu.array(dy!.handle);
        const is = cpu.array(ids!.handle);
        const ys = cpu.array(y!.handle);
        const D = y!.shape[1]!;
        for (let i = 0; i < ids!.size; i++) for (let j = 0; j < D; j++) ys[is[i]! * D + j] = g[i * D + j]!;
      },
    });
    const c = caseNamed('embedding with repeated ids');
    await checkCaseForward(backend, reference, c, 'float32');
    await expect(checkCaseGradients(backend, reference, c, 'float32')).rejects.toThrow(/gradient of input 0/);
  });

  it('catches leaked buffers', async () => {
    const backend = patchedBackend({}, { leak: true });
    await expect(checkCaseForward(backend, reference, caseNamed('exp'), 'float32')).rejects.toThrow(/still allocated/);
  });

  it('catches a fused kernel that disagrees with its decomposition', async () => {
    const backend = patchedBackend({ Softmax: perturbed('Softmax', 1e-3) });
    const c = caseNamed('softmax over the last axis');
    await expect(checkDecomposition(backend, reference, c, 'float64')).rejects.toThrow(/fused vs decomposed/);
    await checkDecomposition(createCpuBackend(), reference, c, 'float64');
  });

  it('uses the kernels it was asked to (sanity of the patching helper)', () => {
    expect(original(kernels.Exp.name).def).toBe(kernels.Exp);
  });
});

describe('tolerances', () => {
  it('derive from the dtype', () => {
    expect(toleranceFor('float64')).toBeLessThan(1e-11);
    expect(toleranceFor('float32')).toBeCloseTo(128 * 2 ** -23);
    expect(toleranceFor('float16')).toBeLessThan(toleranceFor('bfloat16'));
    expect(toleranceFor('int32')).toBe(0);
  });

  it('compare NaN equal to NaN and infinities exactly', () => {
    expect(compareValues([NaN, Infinity, 1], [NaN, Infinity, 1], 0)).toBeNull();
    expect(compareValues([Infinity], [-Infinity], 1)).not.toBeNull();
    expect(compareValues([1], [NaN], 1)).not.toBeNull();
  });

  it('scale the absolute part by the largest reference magnitude', () => {
    expect(compareValues([1000, 1e-3], [1000, 0], 2e-6)).toBeNull();
    expect(compareValues([1, 1e-3], [1, 0], 2e-6)?.index).toBe(1);
  });
});
