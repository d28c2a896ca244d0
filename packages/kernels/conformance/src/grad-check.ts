/**
 * Finite-difference gradient checks in float64 on the reference CPU backend.
 *
 * For f with inputs x_1..x_n and any output shape, the checked scalar is
 *   L(x) = sum(f(x) * U),   U a fixed seeded normal tensor of f's output shape,
 * so every output element matters. The analytic gradient is `valueAndGrad(L)`; the numeric one
 * is the central difference (L(x + eps e_j) - L(x - eps e_j)) / (2 eps) for every element j of
 * every floating-point input. The error of one element is
 *   |numeric - analytic| / max(1, |numeric|, |analytic|)
 * (absolute for gradients up to 1, relative beyond). With eps = 1e-6 in float64 the central
 * difference is accurate to about 1e-9 for smooth f on O(1) inputs (rounding ~1e-16 |L| / eps,
 * truncation ~eps^2 |f'''|), so the default tolerance 1e-6 catches any wrong rule (a missing
 * factor of 2 is an error of about 0.5) while leaving room for the arithmetic.
 */
import { expect } from 'vitest';
import {
  Generator, cast, createCpuBackend, isFloat, mul, noGrad, scope, sum, tensor, valueAndGrad, type Tensor,
} from '@tessera/tensor';
import { disposeAll, fromHost, normalValues, onBackend, toHost, type HostTensor } from './host.js';

/** Options of {@link gradCheck}. @example `{ eps: 1e-3, tolerance: 1e-5, maxElementsPerInput: 32 }` */
export interface GradCheckOptions {
  /** Central-difference step (default 1e-6). */
  eps?: number;
  /** Largest allowed element error, see the module comment (default 1e-6). */
  tolerance?: number;
  /** Seed of the upstream tensor U (default 1234). */
  seed?: number;
  /** Indices of the inputs to check (default: every floating-point input). */
  wrt?: readonly number[];
  /**
   * Check at most this many elements of each input, chosen by a seeded generator (default: all).
   * For large inputs, where one finite difference per element would be slow.
   */
  maxElementsPerInput?: number;
}

/** Where a gradient check found its largest error. @example `const { input, index, numeric, analytic } = result.worst!` */
export interface GradCheckWorst {
  /** Which input (argument position). */
  input: number;
  /** Flat row-major index into that input. */
  index: number;
  numeric: number;
  analytic: number;
}

/** What {@link gradCheck} returns. @example `if (result.maxError > result.tolerance) console.log(describeGradCheck(result))` */
export interface GradCheckResult {
  /** The largest element error (0 when nothing was checked). */
  maxError: number;
  /** Where it occurred; null when no element was checked. */
  worst: GradCheckWorst | null;
  /** Number of gradient elements compared. */
  checked: number;
  /** The tolerance the result is meant to be judged by (options or default). */
  tolerance: number;
}

/** The default central-difference step. @example `gradCheck(f, xs, { eps: 10 * DEFAULT_GRAD_CHECK_EPS })` */
export const DEFAULT_GRAD_CHECK_EPS = 1e-6;
/** The default largest element error. @example `gradCheck(f, xs, { tolerance: DEFAULT_GRAD_CHECK_TOLERANCE })` */
export const DEFAULT_GRAD_CHECK_TOLERANCE = 1e-6;

/**
 * Compare `valueAndGrad` gradients of `f` with central finite differences, in float64 on a fresh
 * reference CPU backend. Floating-point inputs are cast to float64 (they may live on any
 * backend); int32 and bool inputs are passed through and not differentiated. The inputs are not
 * disposed; the current backend is restored afterwards.
 *
 * @example
 * ```ts
 * const { maxError, worst } = await gradCheck((a, b) => matmul(a, b), [randn([2, 3]), randn([3, 4])]);
 * // maxError around 1e-10; worst = { input, index, numeric, analytic }
 * ```
 */
export async function gradCheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const eps = options.eps ?? DEFAULT_GRAD_CHECK_EPS;
  const tolerance = options.tolerance ?? DEFAULT_GRAD_CHECK_TOLERANCE;
  const hosts = await Promise.all(inputs.map(toHost));
  const wrt = options.wrt ?? hosts.flatMap((h, i) => (isFloat(h.dtype) ? [i] : []));
  for (const i of wrt) {
    const h = hosts[i];
    if (!h || !isFloat(h.dtype)) throw new Error(`gradCheck: input ${i} is not a floating-point input`);
  }
  return onBackend(createCpuBackend(), () => {
    const xs = hosts.map((h) => fromHost(h, 'float64'));
    const probe = scope(() => noGrad(() => f(...xs)));
    const outShape = [...probe.shape];
    const outDType = probe.dtype;
    probe.dispose();
    if (!isFloat(outDType)) throw new Error(`gradCheck: f returns a ${outDType} tensor; gradients need a floating-point output`);
    const upstream = tensor(normalValues(outShape.reduce((a, b) => a * b, 1), options.seed ?? 1234), outShape, 'float64');
    const loss = (...args: Tensor[]): Tensor => {
      const y = f(...args);
      return sum(mul(y.dtype === 'float64' ? y : cast(y, 'float64'), upstream));
    };
    const evaluate = (args: readonly Tensor[]): number => scope(() => noGrad(() => loss(...args).dataSync()[0]!));

    const { value, grads } = valueAndGrad(loss)(...xs);
    let maxError = -1;
    let worst: GradCheckWorst | null = null;
    let checked = 0;
    try {
      for (const i of wrt) {
        const host = hosts[i]!;
        const analytic = grads[i]!.dataSync();
        for (const j of elementsToCheck(host.values.length, options.maxElementsPerInput, (options.seed ?? 1234) + i)) {
          const numeric = (evaluatePerturbed(evaluate, xs, hosts, i, j, eps) - evaluatePerturbed(evaluate, xs, hosts, i, j, -eps)) / (2 * eps);
          const a = analytic[j]!;
          const error = Math.abs(numeric - a) / Math.max(1, Math.abs(numeric), Math.abs(a));
          checked++;
          if (Number.isNaN(error) ? maxError !== Infinity : error > maxError) {
            maxError = Number.isNaN(error) ? Infinity : error;
            worst = { input: i, index: j, numeric, analytic: a };
          }
        }
      }
    } finally {
      disposeAll(xs, grads, value, upstream);
    }
    return { maxError: Math.max(maxError, 0), worst, checked, tolerance };
  });
}

/** 0..n-1, or a seeded sample of `max` of them in increasing order. */
function elementsToCheck(n: number, max: number | undefined, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (max === undefined || n <= max) return all;
  const g = new Generator(seed);
  for (let i = 0; i < max; i++) {
    const j = i + (g.nextUint32() % (n - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, max).sort((a, b) => a - b);
}

function evaluatePerturbed(
  evaluate: (args: readonly Tensor[]) => number,
  xs: readonly Tensor[],
  hosts: readonly HostTensor[],
  input: number,
  index: number,
  delta: number,
): number {
  const host = hosts[input]!;
  const values = host.values.slice();
  values[index] = values[index]! + delta;
  const perturbed = tensor(values, host.shape, 'float64');
  try {
    return evaluate(xs.map((x, k) => (k === input ? perturbed : x)));
  } finally {
    perturbed.dispose();
  }
}

/** A one-line account of a gradient check, for assertion messages. @example `console.log(describeGradCheck(await gradCheck(f, xs)))` */
export function describeGradCheck(result: GradCheckResult): string {
  const w = result.worst;
  const where = w ? `input ${w.input}, flat index ${w.index}: numeric ${w.numeric} vs analytic ${w.analytic}` : 'nothing checked';
  return `gradient check: max error ${result.maxError.toExponential(3)} (tolerance ${result.tolerance}) over ${result.checked} elements; worst at ${where}`;
}

/**
 * Assert (with vitest's `expect`) that `f`'s gradients match finite differences; see
 * {@link gradCheck}. Resolves to the result.
 *
 * @example
 * ```ts
 * await expectGradClose((x) => softmax(x, -1), [randn([3, 5], { seed: 1 })]);
 * ```
 */
export async function expectGradClose(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const result = await gradCheck(f, inputs, options);
  expect(result.checked, 'gradient check compared no elements').toBeGreaterThan(0);
  expect(result.maxError, describeGradCheck(result)).toBeLessThanOrEqual(result.tolerance);
  return result;
}
