/**
 * Kernel definitions and the kernel registry.
 *
 * A {@link KernelDef} says what a kernel computes: its inputs, attributes, and the shape and dtype
 * of its outputs (validated here, once, at the op boundary). Composite kernels (softmax, layer norm,
 * cross entropy...) also carry `decompose`, an implementation in primitive ops that is both the
 * fallback on a backend without a fused kernel and the reference in tests. View kernels (reshape,
 * transpose, slice, expand) carry `view` and never reach a backend.
 *
 * Backends list their implementations with {@link kernel}; the engine dispatches to the registered
 * implementation for (definition, backend), else `decompose`, else throws KernelNotFoundError.
 */
import type { Backend, TensorInfo } from './backend.js';
import type { DType } from './dtype.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';
import type * as OpsModule from './ops/index.js';

/** The op functions, handed to `decompose` (kernel definitions import no ops: no load-order cycles). */
export type Ops = typeof OpsModule;

export interface TensorMeta {
  readonly shape: Shape;
  readonly dtype: DType;
}

export interface ViewResult {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

export interface KernelDef<A = Record<string, never>> {
  readonly name: string;
  /** Input names, in order (for messages). A variadic kernel takes one or more of its single input. */
  readonly inputs: readonly string[];
  readonly variadic?: boolean;
  /** Implementations accept inputs with arbitrary strides; otherwise inputs arrive contiguous. */
  readonly strided?: boolean;
  /** Implementations handle float16/bfloat16 storage; otherwise the engine computes in float32. */
  readonly half?: boolean;
  /** False for kernels without a gradient (comparisons, argmax, sign). */
  readonly differentiable?: false;
  /** Validate inputs and attributes; return the output metadata. Throws ShapeError/DTypeError. */
  infer(inputs: readonly TensorMeta[], attrs: A): TensorMeta[];
  /** The same computation in primitive ops (composite kernels). */
  readonly decompose?: (inputs: readonly Tensor[], attrs: A, ops: Ops) => Tensor[];
  /** A view of input 0 without copying (view kernels). */
  readonly view?: (input: { shape: Shape; strides: Shape; offset: number }, attrs: A) => ViewResult;
}

/** Define a kernel. Every definition is listed by {@link kernelDefs} (tests enumerate them). */
export function defineKernel<A = Record<string, never>>(def: KernelDef<A>): KernelDef<A> {
  const registry = getRegistry();
  // A second installed copy of this package defines the same names; the first definition wins.
  if (!registry.defs.has(def.name)) registry.defs.set(def.name, def as KernelDef<unknown>);
  return def;
}

export interface KernelContext<A, B extends Backend> {
  readonly backend: B;
  readonly inputs: readonly TensorInfo[];
  /** Freshly allocated contiguous outputs the kernel must fill. */
  readonly outputs: readonly TensorInfo[];
  readonly attrs: A;
}

/** One backend's implementation of one kernel definition. */
export interface KernelRegistration<B extends Backend> {
  readonly def: KernelDef<unknown>;
  run(context: KernelContext<unknown, B>): void;
}

/** Pair a definition with an implementation, for a backend's kernel list. Types the attrs. */
export function kernel<A, B extends Backend>(def: KernelDef<A>, run: (context: KernelContext<A, B>) => void): KernelRegistration<B> {
  return { def: def as KernelDef<unknown>, run: run as (context: KernelContext<unknown, B>) => void };
}

/** Gradient rule: upstream gradients (one per output) to one gradient per input (null: none). */
export type GradRule<A> = (
  dys: readonly Tensor[],
  node: { readonly inputs: readonly Tensor[]; readonly outputs: readonly Tensor[]; readonly attrs: A },
) => (Tensor | null)[];

export function defineGrad<A>(def: KernelDef<A>, rule: GradRule<A>): void {
  getRegistry().grads.set(def.name, rule as GradRule<unknown>);
}

export function gradRuleOf<A>(def: KernelDef<A>): GradRule<A> | undefined {
  return getRegistry().grads.get(def.name) as GradRule<A> | undefined;
}

/** Every kernel definition created so far. */
export function kernelDefs(): KernelDef<unknown>[] {
  return [...getRegistry().defs.values()];
}

/** Register a backend's kernels (idempotent). */
export function registerKernels(backend: Backend): void {
  const registry = getRegistry();
  if (registry.registeredBackends.has(backend)) return;
  registry.registeredBackends.add(backend);
  for (const registration of backend.kernels) {
    let byBackend = registry.kernels.get(registration.def.name);
    if (!byBackend) registry.kernels.set(registration.def.name, (byBackend = new Map()));
    byBackend.set(backend.name, registration as KernelRegistration<Backend>);
  }
}

export function findKernel(def: KernelDef<unknown>, backend: Backend): KernelRegistration<Backend> | undefined {
  return getRegistry().kernels.get(def.name)?.get(backend.name);
}

export function backendsWithKernel(def: KernelDef<unknown>): string[] {
  return [...(getRegistry().kernels.get(def.name)?.keys() ?? [])];
}

interface Registry {
  defs: Map<string, KernelDef<unknown>>;
  grads: Map<string, GradRule<unknown>>;
  kernels: Map<string, Map<string, KernelRegistration<Backend>>>;
  registeredBackends: WeakSet<Backend>;
}

// One registry per process even when two copies of this package are installed (as tfjs does).
const REGISTRY = Symbol.for('tessera.kernel-registry.v1');

function getRegistry(): Registry {
  const g = globalThis as { [REGISTRY]?: Registry };
  return (g[REGISTRY] ??= { defs: new Map(), grads: new Map(), kernels: new Map(), registeredBackends: new WeakSet() });
}
