/**
 * What a conformance case is: seeded inputs, the computation, and what the suite may assume
 * about it. Cases name the kernel definition they exercise, so a test can check that every
 * definition in `kernelDefs()` has one.
 */
import { kernelDefs, runKernel, type DType, type KernelDef, type Tensor } from '@tessera/tensor';
// The package namespace includes every op function: what `decompose` receives as `ops`.
import * as ops from '@tessera/tensor';
import type { GradCheckOptions } from './grad-check.js';

/** The float dtypes every case runs in unless it says otherwise. @example `const dtypes = c.dtypes ?? DEFAULT_CASE_DTYPES` */
export const DEFAULT_CASE_DTYPES: readonly DType[] = ['float32', 'float64'];
/** Every floating-point dtype, half storage included (elementwise, matmul and storage kernels). @example `{ ...myCase, dtypes: ALL_FLOAT_DTYPES }` */
export const ALL_FLOAT_DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16'];

/** One direct application of a kernel, so its decomposition can be compared with it. @example `const [d] = call.decomposed()` */
export interface KernelCall {
  readonly kernel: string;
  /** `runKernel`: the backend's registered (fused) kernel, or the decomposition when it has none. */
  fused(): Tensor[];
  /** The definition's `decompose`, called directly (without recording gradients). */
  decomposed(): Tensor[];
}

/**
 * Pair a definition with its inputs and typed attributes.
 *
 * @example
 * ```ts
 * const call = kernelCall(kernels.Softmax, [x], { axis: 1 });
 * const [fused] = call.fused();
 * ```
 */
export function kernelCall<A>(def: KernelDef<A>, inputs: readonly Tensor[], attrs: A): KernelCall {
  return {
    kernel: def.name,
    fused: () => runKernel(def, inputs, attrs),
    decomposed: () => {
      if (!def.decompose) throw new Error(`kernel ${def.name} has no decomposition`);
      return def.decompose(inputs, attrs, ops);
    },
  };
}

/**
 * One conformance case.
 *
 * @example
 * ```ts
 * const exp: ConformanceCase = {
 *   name: 'exp of a transposed view',
 *   kernel: kernels.Exp.name,
 *   inputs: () => [randn([4, 3], { seed: 1, dtype: 'float64' })],
 *   run: (x) => exp(transpose(x)),
 * };
 * ```
 */
export interface ConformanceCase {
  /** Unique; also a key of `describeBackend`'s `skip`. */
  readonly name: string;
  /** The name of the kernel definition the case exercises (`kernels.X.name`). */
  readonly kernel: string;
  /**
   * Fresh seeded inputs on the current backend: float64 for floating-point values (the suite casts
   * them to the dtype under test), int32 or bool where the op needs them. Contiguous: a case that
   * wants strided operands makes the views in `run`, where they also get differentiated.
   */
  readonly inputs: () => Tensor[];
  /** The computation; any output shape. */
  readonly run: (...xs: Tensor[]) => Tensor;
  /**
   * Whether gradients of `run` with respect to its floating-point inputs are checked (finite
   * differences and backend against reference). Defaults to the kernel's own
   * (`differentiable !== false`).
   */
  readonly differentiable?: boolean;
  /** Why the inputs look the way they do (domain, distance from kinks and ties). */
  readonly domain?: string;
  /**
   * The dtypes the case runs in on a backend: its float inputs take that dtype (int32/bool inputs
   * keep theirs). Default {@link DEFAULT_CASE_DTYPES}; a case whose inputs are all integer lists
   * `['int32']`. Gradients are compared in float32 and float64 only.
   */
  readonly dtypes?: readonly DType[];
  /** For composite kernels: the single kernel application `run` makes (decomposition test). */
  readonly call?: (...xs: Tensor[]) => KernelCall;
  /** Overrides for the finite-difference check (only where float64 differences need them). */
  readonly gradCheck?: GradCheckOptions;
}

/**
 * A case that applies one composite kernel directly, optionally to views of its inputs made by
 * `prepare` (which the decomposition then sees too).
 *
 * @example
 * ```ts
 * compositeCase({
 *   name: 'softmax over axis 0 of a transposed view', def: kernels.Softmax, attrs: { axis: 0 },
 *   inputs: () => [randn([3, 4], { seed: 1, dtype: 'float64' })], prepare: (x) => [transpose(x)],
 * });
 * ```
 */
export function compositeCase<A>(spec: {
  name: string;
  def: KernelDef<A>;
  attrs: A;
  inputs: () => Tensor[];
  prepare?: (...xs: Tensor[]) => Tensor[];
  domain?: string;
  dtypes?: readonly DType[];
  differentiable?: boolean;
}): ConformanceCase {
  const call = (...xs: Tensor[]): KernelCall => kernelCall(spec.def, spec.prepare ? spec.prepare(...xs) : xs, spec.attrs);
  return {
    name: spec.name,
    kernel: spec.def.name,
    inputs: spec.inputs,
    run: (...xs) => call(...xs).fused()[0]!,
    call,
    ...(spec.domain !== undefined ? { domain: spec.domain } : {}),
    ...(spec.dtypes !== undefined ? { dtypes: spec.dtypes } : {}),
    ...(spec.differentiable !== undefined ? { differentiable: spec.differentiable } : {}),
  };
}

/** Whether a case's gradients are checked: its own flag, else its kernel's. @example `conformanceCases.filter(isDifferentiableCase)` */
export function isDifferentiableCase(c: ConformanceCase): boolean {
  if (c.differentiable !== undefined) return c.differentiable;
  const def = kernelDefs().find((d) => d.name === c.kernel);
  return def !== undefined && def.differentiable !== false;
}
