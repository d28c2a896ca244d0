/**
 * The engine: the current backend, kernel dispatch, tensor lifetimes (scopes) and the autograd
 * tape. Backends know nothing about gradients; every op goes through {@link runKernel}.
 */
import type { Backend } from './backend.js';
import { isFloat, isHalf, type DType, type StorageArray } from './dtype.js';
import { DisposedError, InvalidArgumentError, KernelNotFoundError } from './errors.js';
import { backendsWithKernel, findKernel, gradRuleOf, registerKernels, type KernelDef, type TensorMeta } from './kernel.js';
import { rowMajorStrides, shapesEqual, sizeOf, type Shape } from './shape.js';
import { Storage, Tensor } from './tensor.js';
import { createCpuBackend } from './backends/cpu/backend.js';
import { Copy } from './kernels/copy.js';
import * as ops from './ops/index.js';

/** One recorded op application. */
export interface TapeNode {
  readonly def: KernelDef<unknown>;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: unknown;
}

/** Records the ops that depend on the tracked tensors while `valueAndGrad` runs its function. */
export class Tape {
  readonly nodes: TapeNode[] = [];
  readonly tracked = new Set<Tensor>();
  /** Tensors the tape needs for the backward pass: scopes must not dispose them. */
  readonly held = new Set<Tensor>();
}

interface EngineState {
  backend: Backend | null;
  scopes: Set<Tensor>[];
  tapes: Tape[];
  gradEnabled: boolean;
  nextId: number;
  liveTensors: number;
}

const ENGINE = Symbol.for('tessera.engine.v1');

function state(): EngineState {
  const g = globalThis as { [ENGINE]?: EngineState };
  return (g[ENGINE] ??= { backend: null, scopes: [], tapes: [], gradEnabled: true, nextId: 1, liveTensors: 0 });
}

/**
 * The backend ops run on. The reference CPU backend unless {@link useBackend} chose another.
 *
 * @example
 * ```ts
 * console.log(getBackend().name); // 'cpu'
 * await getBackend().sync();
 * ```
 */
export function getBackend(): Backend {
  const s = state();
  if (!s.backend) useBackend(createCpuBackend());
  return s.backend!;
}

/**
 * Select the backend new ops run on. Tensors already created stay on their backend; mixing
 * backends in one op is an error.
 *
 * @example
 * ```ts
 * useBackend(createCpuBackend());                      // a fresh reference CPU backend
 * useBackend(await createWasmBackend({ threads: 2 })); // @tessera/kernels-wasm
 * ```
 */
export function useBackend(backend: Backend): void {
  registerKernels(backend);
  state().backend = backend;
}

/**
 * Live tensors and the current backend's live buffers: what a leak test watches.
 *
 * @example
 * ```ts
 * const before = memory();
 * scope(() => softmax(matmul(x, w)).dispose());
 * console.log(memory().liveTensors === before.liveTensors); // true
 * ```
 */
export function memory(): { liveTensors: number; liveBuffers: number; liveBytes: number } {
  return { liveTensors: state().liveTensors, ...getBackend().memory() };
}

/** @internal Wrap storage in a tensor registered with the innermost scope. */
export function makeTensor(storage: Storage, shape: Shape, strides: Shape, offset: number): Tensor {
  const s = state();
  const t = new Tensor(s.nextId++, storage, shape, strides, offset, onDispose);
  s.liveTensors++;
  s.scopes[s.scopes.length - 1]?.add(t);
  return t;
}

function onDispose(t: Tensor): void {
  const s = state();
  s.liveTensors--;
  for (const scope of s.scopes) scope.delete(t);
}

/** @internal A new contiguous tensor on the current backend. */
export function allocTensor(meta: TensorMeta): Tensor {
  const backend = getBackend();
  const size = sizeOf(meta.shape);
  const storage = new Storage(backend, backend.alloc(meta.dtype, size), meta.dtype, size);
  return makeTensor(storage, [...meta.shape], rowMajorStrides(meta.shape), 0);
}

/** @internal A tensor holding host data (in the dtype's storage format). */
export function fromStorage(data: StorageArray, shape: Shape, dtype: DType): Tensor {
  const t = allocTensor({ shape, dtype });
  if (data.length) t.storage.backend.write(t.storage.handle, data);
  return t;
}

/**
 * Copy a tensor to another backend (default: the current one), e.g. after `useBackend`.
 *
 * @example
 * ```ts
 * const w = await toBackend(cpuWeights, gpu);
 * ```
 */
export async function toBackend(x: Tensor, backend: Backend = getBackend()): Promise<Tensor> {
  x.assertAlive('toBackend');
  if (x.storage.backend === backend) return x;
  const data = x.coversStorage ? await x.storage.backend.read(x.storage.handle) : null;
  const values = data ?? (await readContiguous(x));
  registerKernels(backend);
  const storage = new Storage(backend, backend.alloc(x.dtype, x.size), x.dtype, x.size);
  if (x.size) backend.write(storage.handle, values);
  return makeTensor(storage, [...x.shape], rowMajorStrides(x.shape), 0);
}

async function readContiguous(x: Tensor): Promise<StorageArray> {
  const previous = state().backend;
  state().backend = x.storage.backend;
  let copy: Tensor;
  try {
    copy = noGrad(() => contiguousCopy(x));
  } finally {
    state().backend = previous;
  }
  try {
    return await copy.storage.backend.read(copy.storage.handle);
  } finally {
    copy.dispose();
  }
}


/**
 * Run `fn` and dispose every tensor it created except those it returns (in an array or object,
 * nested) and those passed to {@link keep}. Returned tensors belong to the enclosing scope.
 *
 * @example
 * ```ts
 * const loss = scope(() => crossEntropy(model(x), y)); // intermediates are freed here
 * ```
 */
export function scope<T>(fn: () => T): T {
  const s = state();
  const own = new Set<Tensor>();
  s.scopes.push(own);
  let result: T;
  const returned = new Set<Tensor>();
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new InvalidArgumentError('scope', 'the callback returned a Promise', 'scope() is synchronous: await outside it and pass data in');
    }
    collectTensors(result, returned);
  } finally {
    // On success everything not returned is released; on error, everything.
    s.scopes.pop();
    const parent = s.scopes[s.scopes.length - 1];
    for (const t of own) {
      if (returned.has(t) || s.tapes.some((tape) => tape.held.has(t))) parent?.add(t);
      else t.dispose();
    }
  }
  return result;
}

/**
 * Dispose a tensor, or every tensor in an array or plain object (nested).
 *
 * @example
 * ```ts
 * dispose([a, b, { c }]);
 * ```
 */
export function dispose(value: unknown): void {
  const found = new Set<Tensor>();
  collectTensors(value, found);
  for (const t of found) t.dispose();
}

/**
 * Exclude a tensor from every enclosing scope: it lives until its own `dispose()`.
 *
 * @example
 * ```ts
 * const cache: Tensor[] = [];
 * const probs = scope(() => {
 *   const k = keep(matmul(x, wk)); // survives the scope; dispose it yourself later
 *   cache.push(k);
 *   return softmax(matmul(q, transpose(k)));
 * });
 * ```
 */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of state().scopes) scope.delete(t);
  return t;
}

function collectTensors(value: unknown, into: Set<Tensor>, depth = 0): void {
  if (value instanceof Tensor) into.add(value);
  else if (depth < 8 && Array.isArray(value)) for (const v of value) collectTensors(v, into, depth + 1);
  else if (depth < 8 && value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, depth + 1);
  }
}

/**
 * Run `fn` without recording gradients.
 *
 * @example
 * ```ts
 * const loss = (w: Tensor) => {
 *   const scale = noGrad(() => max(abs(w))); // a constant: no gradient flows through it
 *   return sum(div(matmul(x, w), scale));
 * };
 * const { value, grads: [dw] } = valueAndGrad(loss)(w);
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  const s = state();
  const previous = s.gradEnabled;
  s.gradEnabled = false;
  try {
    return fn();
  } finally {
    s.gradEnabled = previous;
  }
}

/** @internal */
export function pushTape(tape: Tape): void {
  state().tapes.push(tape);
}

/** @internal */
export function popTape(tape: Tape): void {
  const tapes = state().tapes;
  if (tapes[tapes.length - 1] !== tape) throw new Error('internal: tapes popped out of order');
  tapes.pop();
}

/**
 * Dispatch one kernel: validate, run the backend's implementation (or the decomposition), record
 * it for autograd. Half-precision inputs are computed in float32 (cast up, and float32 outputs cast
 * back down) unless the definition says `half: true` or the backend's registration says `half`
 * (it then gets the inputs as stored and outputs of the dtypes casting would give). A recorded call
 * that mixes a half dtype with another float dtype is still cast, so gradients keep each input's dtype.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Softmax, [x], { axis: x.rank - 1 });
 * const [z] = runKernel(kernels.Exp, [x], {});
 * ```
 */
export function runKernel<A>(def: KernelDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
  const backend = getBackend();
  for (const t of inputs) {
    if (t.isDisposed) throw new DisposedError(def.name, t.id);
    if (t.storage.backend !== backend) {
      const where = t.storage.backend.name === backend.name ? `another instance of backend '${backend.name}'` : `backend '${t.storage.backend.name}'`;
      throw new InvalidArgumentError(def.name, `input #${t.id} lives on ${where} but ops run on '${backend.name}'`,
        'create tensors after useBackend(), or copy them with await toBackend(tensor)');
    }
  }
  const half = def.half || def.view ? undefined : inputs.find((t) => isHalf(t.dtype))?.dtype;
  const registration = def.view ? undefined : findKernel(def as KernelDef<unknown>, backend);
  let metas: TensorMeta[];
  if (half) {
    if (!registration?.half || (!sharesDType(inputs, half) && wouldRecord(inputs))) return runInFloat32(def, inputs, attrs, half);
    metas = halfMetas(def, inputs, attrs, half);
  } else {
    metas = def.infer(inputs, attrs);
  }
  let outputs: Tensor[];
  if (def.view) {
    const x = inputs[0]!;
    const v = def.view(x, attrs);
    x.storage.refs++;
    outputs = [makeTensor(x.storage, v.shape, v.strides, v.offset)];
  } else {
    if (registration) {
      const temps: Tensor[] = [];
      const infos = inputs.map((t) => {
        if (def.strided || t.isContiguous) return t;
        const c = noGrad(() => contiguousCopy(t));
        temps.push(c);
        return c;
      });
      outputs = metas.map(allocTensor);
      registration.run({ backend, inputs: infos.map((t) => t.info), outputs: outputs.map((t) => t.info), attrs });
      for (const t of temps) t.dispose();
    } else if (def.decompose) {
      const decompose = def.decompose;
      outputs = scope(() => noGrad(() => decompose(inputs, attrs, ops)));
      checkDecomposition(def, metas, outputs);
    } else {
      throw new KernelNotFoundError(def.name, backend.name, backendsWithKernel(def as KernelDef<unknown>));
    }
  }
  record(def, inputs, outputs, attrs);
  return outputs;
}

function runInFloat32<A>(def: KernelDef<A>, inputs: readonly Tensor[], attrs: A, half: DType): Tensor[] {
  return scope(() => {
    const up = inputs.map((t) => (isHalf(t.dtype) ? t.cast('float32') : t));
    return runKernel(def, up, attrs).map((t) => (t.dtype === 'float32' ? t.cast(half) : t));
  });
}

/**
 * The outputs a backend that handles half storage fills: those of the float32 computation, with
 * float32 outputs stored as `half`, exactly what {@link runInFloat32} returns (so a result's dtype
 * does not depend on the backend).
 */
function halfMetas<A>(def: KernelDef<A>, inputs: readonly Tensor[], attrs: A, half: DType): TensorMeta[] {
  const up = inputs.map((t): TensorMeta => (isHalf(t.dtype) ? { shape: t.shape, dtype: 'float32' } : t));
  return def.infer(up, attrs).map((m) => (m.dtype === 'float32' ? { shape: m.shape, dtype: half } : m));
}

/** Every floating-point input is stored as `half` (gradients then come back in each input's dtype). */
function sharesDType(inputs: readonly Tensor[], half: DType): boolean {
  return inputs.every((t) => !isFloat(t.dtype) || t.dtype === half);
}

/** Whether {@link record} would put this call on the tape. */
function wouldRecord(inputs: readonly Tensor[]): boolean {
  const s = state();
  const tape = s.tapes[s.tapes.length - 1];
  return !!tape && s.gradEnabled && inputs.some((t) => tape.tracked.has(t));
}

/** A contiguous copy made for a kernel that needs one (not recorded: the caller's op is). */
function contiguousCopy(t: Tensor): Tensor {
  return runKernel(Copy, [t], {})[0]!;
}

function checkDecomposition(def: KernelDef<never>, metas: readonly TensorMeta[], outputs: readonly Tensor[]): void {
  const ok = metas.length === outputs.length && metas.every((m, i) => m.dtype === outputs[i]!.dtype && shapesEqual(m.shape, outputs[i]!.shape));
  if (!ok) throw new Error(`internal: decomposition of ${def.name} returned outputs that differ from its inferred metadata`);
}

function record<A>(def: KernelDef<A>, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: A): void {
  const s = state();
  const tape = s.tapes[s.tapes.length - 1];
  if (!tape || !s.gradEnabled || !inputs.some((t) => tape.tracked.has(t))) return;
  if (!gradRuleOf(def)) return; // not differentiable (comparisons, argmax, integer casts)
  tape.nodes.push({ def: def as KernelDef<unknown>, inputs, outputs, attrs });
  for (const t of inputs) tape.held.add(t);
  for (const t of outputs) {
    tape.held.add(t);
    tape.tracked.add(t);
  }
}
