/**
 * Running one conformance case on one backend in one dtype, and checking it against the float64
 * reference. `describeBackend` wraps these in vitest tests; they are exported for backends that
 * want to drive the checks themselves.
 *
 * The reference is a fresh CPU backend computing in float64 from the backend's own inputs: the
 * case's float64 inputs are first rounded to the dtype under test (as the backend stores them),
 * so differences are the backend's arithmetic, judged by `toleranceFor(dtype)`.
 */
import {
  isFloat, mul, noGrad, scope, sum, tensor, valueAndGrad, type Backend, type DType, type Tensor,
} from '@tessera/tensor';
import { isDifferentiableCase, type ConformanceCase } from './case.js';
import { disposeAll, fromHost, normalValues, onBackend, toHost, type HostTensor } from './host.js';
import { compareValues, toleranceFor } from './tolerance.js';

/** Seed of the fixed upstream gradient used when comparing gradients. @example `normalValues(size, UPSTREAM_SEED)` */
export const UPSTREAM_SEED = 4321;

/** One run of a case on one backend, read back to the host. @example `const { output, grads } = await runCase(backend, c, hosts, 'float32')` */
export interface CaseResult {
  output: HostTensor;
  /** One per input: the gradient for floating-point inputs, null for others; null when not requested. */
  grads: (HostTensor | null)[] | null;
  /** The upstream values actually used (rounded to the output dtype). */
  upstream: Float64Array | null;
  /** Buffers still allocated on the backend after everything the run made was disposed. */
  leakedBuffers: number;
}

/**
 * Run a case on `backend` with its inputs `hosts` (floating-point values take `floatDType`). With
 * `upstream`, also compute gradients of sum(run(...) * upstream) by `valueAndGrad`.
 */
export async function runCase(
  backend: Backend,
  c: ConformanceCase,
  hosts: readonly HostTensor[],
  floatDType: DType,
  upstream?: Float64Array,
): Promise<CaseResult> {
  return onBackend(backend, async () => {
    const before = backend.memory().liveBuffers;
    const xs = hosts.map((h) => fromHost(h, floatDType));
    const owned: Tensor[] = [...xs];
    let result: Omit<CaseResult, 'leakedBuffers'>;
    try {
      const y = scope(() => c.run(...xs));
      owned.push(y);
      const output = await toHost(y);
      if (!upstream) {
        result = { output, grads: null, upstream: null };
      } else {
        const u = tensor(upstream, y.shape, y.dtype);
        owned.push(u);
        const { value, grads } = valueAndGrad((...args: Tensor[]) => sum(mul(c.run(...args), u)))(...xs);
        owned.push(value, ...grads);
        const hostGrads = await Promise.all(grads.map((g, i) => (isFloat(hosts[i]!.dtype) ? toHost(g) : null)));
        result = { output, grads: hostGrads, upstream: (await toHost(u)).values };
      }
    } finally {
      disposeAll(owned);
    }
    return { ...result, leakedBuffers: backend.memory().liveBuffers - before };
  });
}

/** The inputs as `dtype` stores them, read back (int32/bool inputs unchanged). */
export async function roundInputs(reference: Backend, hosts: readonly HostTensor[], dtype: DType): Promise<HostTensor[]> {
  if (dtype === 'float64' || !isFloat(dtype)) return [...hosts];
  return onBackend(reference, async () => {
    const out: HostTensor[] = [];
    for (const h of hosts) {
      if (!isFloat(h.dtype)) {
        out.push(h);
        continue;
      }
      const t = fromHost(h, dtype);
      try {
        out.push({ ...(await toHost(t)), dtype: 'float64' });
      } finally {
        t.dispose();
      }
    }
    return out;
  });
}

/** A case's canonical inputs (float64 where floating point), made and read on `reference`. */
export async function caseInputs(reference: Backend, c: ConformanceCase): Promise<HostTensor[]> {
  return onBackend(reference, async () => {
    const xs = c.inputs();
    try {
      return await Promise.all(xs.map(toHost));
    } finally {
      disposeAll(xs);
    }
  });
}

/** The comparison tolerance for a result of dtype `result` from a run in `dtype`. */
export function resultTolerance(dtype: DType, result: DType): number {
  if (!isFloat(result)) return 0;
  return Math.max(isFloat(dtype) ? toleranceFor(dtype) : 0, toleranceFor(result));
}

/**
 * Throw a readable error when two results differ beyond `tolerance`.
 *
 * @example
 * ```ts
 * assertClose('softmax output', await toHost(y), await toHost(expected), toleranceFor('float32'));
 * ```
 */
export function assertClose(what: string, actual: HostTensor, expected: HostTensor, tolerance: number, expectedLabel = 'reference'): void {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    throw new Error(`${what}: shape [${actual.shape.join(', ')}] but the ${expectedLabel} has [${expected.shape.join(', ')}]`);
  }
  const m = compareValues(actual.values, expected.values, tolerance);
  if (m) {
    throw new Error(`${what}: ${m.count} of ${expected.values.length} elements differ beyond tolerance ${tolerance.toExponential(2)}; ` +
      `worst at flat index ${m.index}: got ${m.actual}, ${expectedLabel} ${m.expected}`);
  }
}

function assertNoLeak(what: string, result: CaseResult): void {
  if (result.leakedBuffers !== 0) {
    throw new Error(`${what}: ${result.leakedBuffers} buffer(s) still allocated after every tensor of the run was disposed`);
  }
}

/**
 * Run a case on `backend` in `dtype` and compare its output (values, shape, dtype) with the
 * reference; throws on a difference or a leaked buffer.
 *
 * @example
 * ```ts
 * await checkCaseForward(await createWasmBackend(), createCpuBackend(), conformanceCases[0]!, 'float32');
 * ```
 */
export async function checkCaseForward(backend: Backend, reference: Backend, c: ConformanceCase, dtype: DType): Promise<void> {
  const hosts = await caseInputs(reference, c);
  const actual = await runCase(backend, c, hosts, dtype);
  assertNoLeak(`${c.name} [${dtype}]`, actual);
  const expectedMeta = await runCase(reference, c, hosts, dtype);
  if (actual.output.dtype !== expectedMeta.output.dtype) {
    throw new Error(`${c.name} [${dtype}]: output dtype ${actual.output.dtype}, the reference gives ${expectedMeta.output.dtype}`);
  }
  const expected = await runCase(reference, c, await roundInputs(reference, hosts, dtype), 'float64');
  assertClose(`${c.name} [${dtype}] output`, actual.output, expected.output, resultTolerance(dtype, actual.output.dtype));
}

/**
 * Compare gradients of sum(run(...) * U), U fixed, on `backend` in `dtype` with the float64
 * reference; throws on a difference or a leaked buffer.
 *
 * @example
 * ```ts
 * for (const c of conformanceCases.filter(isDifferentiableCase)) await checkCaseGradients(backend, reference, c, 'float32');
 * ```
 */
export async function checkCaseGradients(backend: Backend, reference: Backend, c: ConformanceCase, dtype: DType): Promise<void> {
  if (!isDifferentiableCase(c)) throw new Error(`${c.name} is not differentiable`);
  const hosts = await caseInputs(reference, c);
  const size = await onBackend(reference, () => scope(() => noGrad(() => {
    const xs = hosts.map((h) => fromHost(h));
    return c.run(...xs).size;
  })));
  const actual = await runCase(backend, c, hosts, dtype, normalValues(size, UPSTREAM_SEED));
  assertNoLeak(`${c.name} [${dtype}] gradients`, actual);
  const expected = await runCase(reference, c, await roundInputs(reference, hosts, dtype), 'float64', actual.upstream!);
  hosts.forEach((h, i) => {
    const g = actual.grads?.[i];
    const e = expected.grads?.[i];
    if (!isFloat(h.dtype)) return;
    if (!g || !e) throw new Error(`${c.name} [${dtype}]: no gradient for input ${i}`);
    if (g.dtype !== dtype) throw new Error(`${c.name} [${dtype}]: gradient of input ${i} is ${g.dtype}, expected ${dtype}`);
    assertClose(`${c.name} [${dtype}] gradient of input ${i}`, g, e, toleranceFor(dtype));
  });
}

/**
 * Compare a composite case's fused kernel (`runKernel`) with its definition's `decompose`,
 * both on `backend` in `dtype`.
 *
 * @example
 * ```ts
 * for (const c of conformanceCases.filter((c) => c.call)) await checkDecomposition(backend, reference, c, 'float32');
 * ```
 */
export async function checkDecomposition(backend: Backend, reference: Backend, c: ConformanceCase, dtype: DType): Promise<void> {
  const call = c.call;
  if (!call) throw new Error(`${c.name} has no direct kernel call`);
  const hosts = await caseInputs(reference, c);
  const [fused, decomposed] = await onBackend(backend, async () => {
    const xs = hosts.map((h) => fromHost(h, dtype));
    try {
      const f = scope(() => call(...xs).fused());
      const d = scope(() => noGrad(() => call(...xs).decomposed()));
      try {
        return [await Promise.all(f.map(toHost)), await Promise.all(d.map(toHost))] as const;
      } finally {
        disposeAll(f, d);
      }
    } finally {
      disposeAll(xs);
    }
  });
  if (fused.length !== decomposed.length) throw new Error(`${c.name}: ${fused.length} fused outputs but ${decomposed.length} decomposed`);
  fused.forEach((f, i) => {
    const d = decomposed[i]!;
    if (f.dtype !== d.dtype) throw new Error(`${c.name} [${dtype}] output ${i}: fused ${f.dtype}, decomposed ${d.dtype}`);
    assertClose(`${c.name} [${dtype}] fused vs decomposed output ${i}`, f, d, resultTolerance(dtype, f.dtype), 'decomposition');
  });
}
