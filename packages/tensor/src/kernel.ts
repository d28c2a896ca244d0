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

/**
 * A tensor's shape and dtype without its data: what `KernelDef.infer` receives and returns.
 *
 * @example
 * ```ts
 * const infer = ([a, b]: readonly TensorMeta[]): TensorMeta[] => [{ shape: a!.shape, dtype: b!.dtype }];
 * ```
 */
export interface TensorMeta {
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * The strided view a view kernel's `view` returns over its input's storage (no copy).
 *
 * @example
 * ```ts
 * const view = (x: { shape: Shape; strides: Shape; offset: number }): ViewResult =>
 *   ({ shape: [...x.shape].reverse(), strides: [...x.strides].reverse(), offset: x.offset });
 * ```
 */
export interface ViewResult {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/**
 * What a kernel computes: its inputs, attributes (`A`) and output metadata (`infer`), plus
 * `decompose` for composite kernels or `view` for view kernels. Made with {@link defineKernel}.
 *
 * @example
 * ```ts
 * const def: KernelDef<{ axis: number }> = kernels.Softmax;
 * const [meta] = def.infer([{ shape: [2, 5], dtype: 'float32' }], { axis: 1 }); // { shape: [2, 5], dtype: 'float32' }
 * ```
 */
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

/**
 * Define a kernel. Every definition is listed by {@link kernelDefs} (tests enumerate them).
 *
 * @example
 * ```ts
 * // y = x * sigmoid(x) (SiLU). Shapes: y.shape = x.shape.
 * const Silu = defineKernel({
 *   name: 'Silu',
 *   inputs: ['x'],
 *   infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
 *   decompose: ([x], _attrs, ops) => [ops.mul(x!, ops.sigmoid(x!))], // the fallback and the reference
 * });
 * const [y] = runKernel(Silu, [x], {}); // runs the decomposition until a backend implements it
 * ```
 */
export function defineKernel<A = Record<string, never>>(def: KernelDef<A>): KernelDef<A> {
  const registry = getRegistry();
  // A second installed copy of this package defines the same names; the first definition wins.
  if (!registry.defs.has(def.name)) registry.defs.set(def.name, def as KernelDef<unknown>);
  return def;
}

/**
 * A kernel named by a package that must not import the package defining it: a backend package
 * implementing the model's `Attention` or the trainer's optimizer steps (kernel packages depend on
 * this core only). It carries the definition's name and, as a type only, its attributes; pass it to
 * {@link kernel} like a definition. The registry keys implementations by definition name, so the
 * implementation is used once the defining package is loaded, and the definition (its `infer`,
 * `decompose` and gradient) stays the one in that package. A {@link KernelDef} is also a
 * `KernelRef`; the implementing package should test that the real definition is assignable to its
 * reference (same name, compatible attributes).
 *
 * @example
 * ```ts
 * interface AttentionAttrs { softmaxScale: number; slopes: readonly number[] | null; causal: boolean }
 * const Attention = kernelRef<AttentionAttrs>('Attention'); // defined in @tessera/model
 * const attentionNative = kernel<AttentionAttrs, NativeBackend>(Attention, ({ backend, inputs, outputs, attrs }) => { ... });
 * ```
 */
export interface KernelRef<A = Record<string, never>> {
  readonly name: string;
  /** Type only (never set): the attributes the definition takes. */
  readonly attrsType?: (attrs: A) => void;
}

/**
 * A {@link KernelRef} to the definition named `name` (defined elsewhere).
 *
 * @example
 * ```ts
 * const LionStep = kernelRef<{ lr: number; beta1: number; beta2: number; decay: number }>('LionStep');
 * ```
 */
export function kernelRef<A = Record<string, never>>(name: string): KernelRef<A> {
  return { name };
}

/**
 * What a backend's implementation receives: the backend, the input views, freshly allocated
 * contiguous outputs to fill, and the attributes.
 *
 * @example
 * ```ts
 * const siluCpu = kernel(Silu, ({ backend, inputs: [x], outputs: [y] }: KernelContext<Record<string, never>, CpuBackend>) => {
 *   const xs = backend.array(x!.handle); // contiguous: Silu is not `strided`
 *   const ys = backend.array(y!.handle);
 *   for (let i = 0; i < y!.size; i++) {
 *     const v = xs[x!.offset + i]!;
 *     ys[i] = v / (1 + Math.exp(-v));
 *   }
 * });
 * ```
 */
export interface KernelContext<A, B extends Backend> {
  readonly backend: B;
  readonly inputs: readonly TensorInfo[];
  /** Freshly allocated contiguous outputs the kernel must fill. */
  readonly outputs: readonly TensorInfo[];
  readonly attrs: A;
}

/**
 * One backend's implementation of one kernel definition, made by {@link kernel}.
 *
 * @example
 * ```ts
 * const implemented: KernelRegistration<Backend>[] = kernelDefs().flatMap((def) => findKernel(def, getBackend()) ?? []);
 * console.log(implemented.map((r) => r.def.name)); // the kernels the current backend implements
 * ```
 */
export interface KernelRegistration<B extends Backend> {
  /** The definition, or a {@link KernelRef} to one defined in a package the backend does not import. */
  readonly def: KernelDef<unknown> | KernelRef<unknown>;
  /**
   * This implementation takes float16/bfloat16 inputs as they are stored (and fills outputs of the
   * dtypes the engine gives it), instead of the engine casting them to float32 around the call.
   */
  readonly half?: boolean;
  run(context: KernelContext<unknown, B>): void;
}

/** Options of {@link kernel}. */
export interface KernelOptions {
  /** The implementation handles float16/bfloat16 storage itself (see {@link KernelRegistration.half}). */
  readonly half?: boolean;
}

/**
 * Pair a definition with an implementation, for a backend's kernel list. Types the attrs.
 *
 * @example
 * ```ts
 * const expCpu = kernel(kernels.Exp, ({ backend, inputs: [x], outputs: [y] }: KernelContext<Record<string, never>, CpuBackend>) => {
 *   const xs = backend.array(x!.handle);
 *   const ys = backend.array(y!.handle);
 *   // Exp is `strided`: walk x through its strides (a rank-1 input here).
 *   for (let i = 0; i < y!.size; i++) ys[i] = Math.exp(xs[x!.offset + i * x!.strides[0]!]!);
 * });
 * // An implementation that reads float16/bfloat16 inputs as stored (no float32 copies around it):
 * const matmulHalf = kernel(kernels.Matmul, runMatmul, { half: true });
 * ```
 */
export function kernel<A, B extends Backend>(def: KernelDef<A> | KernelRef<A>, run: (context: KernelContext<A, B>) => void,
  options: KernelOptions = {}): KernelRegistration<B> {
  const registration = { def: def as KernelDef<unknown> | KernelRef<unknown>, run: run as (context: KernelContext<unknown, B>) => void };
  return options.half ? { ...registration, half: true } : registration;
}

/**
 * Gradient rule: upstream gradients (one per output) to one gradient per input (null: none).
 *
 * @example
 * ```ts
 * const expGrad: GradRule<Record<string, never>> = ([dy], { outputs: [y] }) => [mul(dy!, y!)];
 * ```
 */
export type GradRule<A> = (
  dys: readonly Tensor[],
  node: { readonly inputs: readonly Tensor[]; readonly outputs: readonly Tensor[]; readonly attrs: A },
) => (Tensor | null)[];

/**
 * Register the gradient rule of a kernel, written with ops so it runs on every backend.
 *
 * @example
 * ```ts
 * defineGrad(Silu, ([dy], { inputs: [x] }) => {
 *   const s = sigmoid(x!);
 *   return [mul(dy!, mul(s, add(mul(x!, sub(1, s)), 1)))]; // s (1 + x (1 - s))
 * });
 * ```
 */
export function defineGrad<A>(def: KernelDef<A>, rule: GradRule<A>): void {
  getRegistry().grads.set(def.name, rule as GradRule<unknown>);
}

/**
 * The gradient rule registered for a kernel, or undefined when it has none.
 *
 * @example
 * ```ts
 * gradRuleOf(kernels.Matmul) !== undefined; // true
 * gradRuleOf(kernels.ArgMax);               // undefined: not differentiable
 * ```
 */
export function gradRuleOf<A>(def: KernelDef<A>): GradRule<A> | undefined {
  return getRegistry().grads.get(def.name) as GradRule<A> | undefined;
}

/**
 * Every kernel definition created so far.
 *
 * @example
 * ```ts
 * const composite = kernelDefs().filter((d) => d.decompose).map((d) => d.name); // ['Softmax', ...]
 * ```
 */
export function kernelDefs(): KernelDef<unknown>[] {
  return [...getRegistry().defs.values()];
}

/** Register a backend's kernels (idempotent). */
export function registerKernels(backend: Backend): void {
  const registry = getRegistry();
  if (registry.registeredBackends.has(backend)) return;
  registry.registeredBackends.add(backend);
  for (const registration of backend.kernels) {
    // A kernel added earlier with registerKernel() for this backend name is kept.
    if (!registry.kernels.get(registration.def.name)?.has(backend.name)) registerKernel(backend.name, registration);
  }
}

/**
 * Add one implementation for a backend from outside the backend's own package, e.g. a model
 * package's fused attention kernel for the reference CPU backend. The backend is named, so the
 * kernel applies to every instance of it; a later registration for the same (kernel, backend)
 * replaces the earlier one.
 *
 * @example
 * ```ts
 * registerKernel('cpu', kernel<AttentionAttrs, CpuBackend>(Attention, ({ backend, inputs, outputs, attrs }) => { ... }));
 * ```
 */
export function registerKernel<B extends Backend>(backendName: string, registration: KernelRegistration<B>): void {
  const registry = getRegistry();
  let byBackend = registry.kernels.get(registration.def.name);
  if (!byBackend) registry.kernels.set(registration.def.name, (byBackend = new Map()));
  byBackend.set(backendName, registration as KernelRegistration<Backend>);
}

/**
 * The implementation `backend` registered for `def`, or undefined (the engine then falls back
 * to `def.decompose`).
 *
 * @example
 * ```ts
 * // Composite kernels the current backend runs as their decomposition:
 * const fallbacks = kernelDefs().filter((def) => def.decompose && !findKernel(def, getBackend()));
 * ```
 */
export function findKernel<A>(def: KernelDef<A>, backend: Backend): KernelRegistration<Backend> | undefined {
  return getRegistry().kernels.get(def.name)?.get(backend.name);
}

export function backendsWithKernel<A>(def: KernelDef<A>): string[] {
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
