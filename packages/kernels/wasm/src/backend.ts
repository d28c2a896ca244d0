/**
 * The WASM backend: every buffer is a block of one WebAssembly linear memory (shared between the
 * worker threads when the platform allows), kernels are exports of the AssemblyScript module
 * (assembly/) or, for kernels outside the hot set, the reference backend's TypeScript loops run on
 * typed-array views of that memory.
 */
import {
  bytesPerElement, InvalidArgumentError, type Backend, type BackendMemory, type DataHandle, type DType, type KernelRegistration,
  type StorageArray,
} from '@tessera/tensor';
import { OutOfMemoryError, WasmBackendUnavailableError } from './errors.js';
import { LinearMemory, MAX_PAGES } from './linear-memory.js';
import { compileKernels, instantiateKernels, isNode, type KernelExports, type WasmSource } from './module.js';
import { CONTROL_BYTES, ThreadPool, type JobName } from './threads.js';
import { wasmKernels } from './kernels/index.js';

/**
 * Options of {@link createWasmBackend}.
 *
 * @example
 * ```ts
 * const options: WasmBackendOptions = { threads: 2, wasm: new URL('/assets/tessera-kernels.wasm', location.href) };
 * ```
 */
export interface WasmBackendOptions {
  /**
   * Threads the threaded kernels (matmul, attention, optimizer steps, row kernels) may use, the caller's included (default: `TESSERA_WASM_THREADS` in Node, else
   * the cores available, at most 8). 1 runs everything on the calling thread with no workers.
   * Without shared memory (a page that is not cross-origin isolated) it is 1, after a one-line notice.
   */
  threads?: number;
  /**
   * The compiled kernels: a URL or path of the `.wasm` file, its bytes, or a `WebAssembly.Module`;
   * or one of each variant, `{ shared, single }`, picked by whether shared memory is available
   * (default: the package's own `wasm/tessera-kernels.wasm`, or `tessera-kernels-single.wasm`
   * without shared memory, located next to this module). Bundlers that do not copy the files need
   * this. A single source must be the variant the platform can run.
   */
  wasm?: WasmSource | { shared?: WasmSource; single?: WasmSource };
  /** Initial linear memory in bytes (default 16 MiB); it grows as needed up to 4 GiB. */
  initialMemoryBytes?: number;
}

type DataArrayOf = Record<DType, (buffer: ArrayBufferLike, address: number, size: number) => StorageArray>;

const VIEW: DataArrayOf = {
  float32: (b, a, n) => new Float32Array(b, a, n),
  float64: (b, a, n) => new Float64Array(b, a, n),
  float16: (b, a, n) => new Uint16Array(b, a, n),
  bfloat16: (b, a, n) => new Uint16Array(b, a, n),
  int32: (b, a, n) => new Int32Array(b, a, n),
  bool: (b, a, n) => new Uint8Array(b, a, n),
};

interface Buffer {
  readonly dtype: DType;
  readonly size: number;
  readonly address: number;
  readonly capacity: number;
  view?: StorageArray;
  generation: number;
  /** A reused block not zero-filled yet: filled on first access unless a kernel claims it. */
  dirty: boolean;
}

/**
 * The WASM backend's class; make one with {@link createWasmBackend}.
 *
 * @example
 * ```ts
 * const backend = await createWasmBackend({ threads: 2 });
 * console.log(backend.name, backend.threads, backend.sharedMemory); // 'wasm' 2 true
 * ```
 */
export class WasmBackend implements Backend {
  readonly name: string = 'wasm';
  readonly kernels: readonly KernelRegistration<Backend>[] = wasmKernels;
  /** Whether linear memory is a shared memory (workers can see it). */
  readonly sharedMemory: boolean;
  /** @internal The module's exports on this thread. */
  readonly exports: KernelExports;
  /** @internal */
  readonly heap: LinearMemory;
  #pool: ThreadPool | undefined;
  readonly #buffers = new Map<number, Buffer>();
  #nextId = 1;
  #bytes = 0;
  #scratch: { address: number; capacity: number } | undefined;

  /** @internal Use {@link createWasmBackend}. */
  constructor(exports: KernelExports, heap: LinearMemory, pool: ThreadPool | undefined) {
    this.exports = exports;
    this.heap = heap;
    this.#pool = pool;
    this.sharedMemory = heap.shared;
  }

  /** Every dtype: float16/bfloat16 are stored as 16-bit patterns and computed in float32 by the engine. */
  supportsDType(_dtype: DType): boolean {
    return true;
  }

  alloc(dtype: DType, size: number): DataHandle {
    const { address, capacity, dirty } = this.heap.alloc(size * bytesPerElement(dtype), false);
    const id = this.#nextId++;
    this.#buffers.set(id, { dtype, size, address, capacity, generation: -1, dirty });
    this.#bytes += capacity;
    return { id, backend: this.name };
  }

  write(handle: DataHandle, data: StorageArray): void {
    if (data.length === this.#buffers.get(handle.id)?.size) this.claim(handle);
    const target = this.array(handle);
    if (data.length > target.length) {
      throw new InvalidArgumentError('write', `${data.length} elements do not fit a buffer of ${target.length}`);
    }
    target.set(data);
  }

  /** A copy in ordinary (unshared) memory. */
  async read(handle: DataHandle): Promise<StorageArray> {
    return this.array(handle).slice();
  }

  /** The live view into linear memory (no copy): callers must not keep or mutate it. */
  readSync(handle: DataHandle): StorageArray {
    return this.array(handle);
  }

  dispose(handle: DataHandle): void {
    const buffer = this.#buffers.get(handle.id);
    if (!buffer) return;
    this.#buffers.delete(handle.id);
    this.#bytes -= buffer.capacity;
    this.heap.free(buffer.address, buffer.capacity);
  }

  /** Kernels run synchronously: nothing is ever queued. */
  async sync(): Promise<void> {}

  memory(): BackendMemory {
    return { liveBuffers: this.#buffers.size, liveBytes: this.#bytes };
  }

  /** Threads the threaded kernels use (the caller's included). */
  get threads(): number {
    return this.#pool ? this.#pool.size + 1 : 1;
  }

  /**
   * Stop the worker threads (optional: they never keep a Node process alive). The backend keeps
   * working, on the calling thread only.
   */
  close(): void {
    this.#pool?.close();
    this.#pool = undefined;
  }

  /** A typed-array view of a buffer (kernels use this; re-created after memory grows). */
  array(handle: DataHandle): StorageArray {
    const buffer = this.#buffer(handle);
    if (!buffer.view || buffer.generation !== this.heap.generation) {
      buffer.view = VIEW[buffer.dtype](this.heap.memory.buffer, buffer.address, buffer.size);
      buffer.generation = this.heap.generation;
    }
    return buffer.view;
  }

  /** The byte address of a buffer's element 0 in linear memory. */
  address(handle: DataHandle): number {
    return this.#buffer(handle).address;
  }

  /**
   * @internal A scratch block of at least `bytes` (parameter blocks, batch offsets, packing
   * workspaces), grown on demand and never shrunk. Valid until the next call.
   */
  scratch(bytes: number): number {
    if (!this.#scratch || this.#scratch.capacity < bytes) {
      if (this.#scratch) this.heap.free(this.#scratch.address, this.#scratch.capacity);
      this.#scratch = this.heap.alloc(Math.max(bytes, 16384));
    }
    return this.#scratch.address;
  }

  /** @internal Run sgemm over a parameter block on every thread (threads > 1) or here. */
  runSgemm(params: number, threads: number): void {
    this.runJob('sgemm', params, threads);
  }

  /**
   * @internal Run a threaded export (assembly/: tasks from an atomic counter in its parameter
   * block) on every thread when `threads > 1`, else on this thread alone.
   */
  runJob(name: JobName, params: number, threads: number): void {
    const fn = this.exports[name];
    if (this.#pool && threads > 1) this.#pool.run(name, params, fn);
    else fn(params, 0);
  }

  /**
   * @internal A kernel about to write every element of this output claims it: a reused block is
   * then not zero-filled first (any other first access fills it).
   */
  claim(handle: DataHandle): void {
    const buffer = this.#buffers.get(handle.id);
    if (buffer) buffer.dirty = false;
  }

  #buffer(handle: DataHandle): Buffer {
    const buffer = this.#buffers.get(handle.id);
    if (!buffer) throw new Error(`internal: wasm buffer ${handle.id} does not exist (disposed?)`);
    if (buffer.dirty) {
      buffer.dirty = false;
      this.heap.views.u8.fill(0, buffer.address, buffer.address + buffer.capacity);
    }
    return buffer;
  }
}

let noticePrinted = false;

function isVariantPair(value: WasmBackendOptions['wasm']): value is { shared?: WasmSource; single?: WasmSource } {
  return typeof value === 'object' && value !== null && !(value instanceof URL) && !(value instanceof ArrayBuffer)
    && !(value instanceof Uint8Array) && !(value instanceof WebAssembly.Module);
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError('createWasmBackend', `${what} must be a positive integer, got ${value}`);
  }
  return value;
}

async function defaultThreads(): Promise<number> {
  if (isNode) {
    const fromEnv = process.env.TESSERA_WASM_THREADS;
    if (fromEnv) return positiveInteger(Number(fromEnv), 'TESSERA_WASM_THREADS');
    const { availableParallelism } = await import('node:os');
    return Math.min(8, availableParallelism());
  }
  return Math.min(8, globalThis.navigator?.hardwareConcurrency ?? 1);
}

/** Why threads cannot be used here, or undefined when shared memory works. */
function sharedMemoryUnavailable(): string | undefined {
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is unavailable (the page is not cross-origin isolated: serve it with COOP/COEP headers)';
  if (!isNode && globalThis.crossOriginIsolated === false) return 'the page is not cross-origin isolated (serve it with COOP/COEP headers)';
  return undefined;
}

/**
 * Create the WASM backend: compile (once) and instantiate the kernels over a new linear memory,
 * and start `threads - 1` workers sharing it. Where shared memory is unavailable it prints one
 * line and runs on one thread.
 *
 * @example
 * ```ts
 * import { matmul, randn, useBackend } from '@tessera/tensor';
 * import { createWasmBackend } from '@tessera/kernels-wasm';
 *
 * useBackend(await createWasmBackend({ threads: 2 }));
 * const y = matmul(randn([512, 512], { seed: 1 }), randn([512, 512], { seed: 2 }));
 * console.log((await y.data())[0]);
 * ```
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  let threads = options.threads !== undefined ? positiveInteger(options.threads, 'threads') : await defaultThreads();
  const missing = sharedMemoryUnavailable();
  if (missing && threads > 1) {
    if (!noticePrinted) {
      noticePrinted = true;
      console.warn(`@tessera/kernels-wasm: ${missing}; running on 1 thread`);
    }
    threads = 1;
  }
  const shared = missing === undefined;
  const initialBytes = options.initialMemoryBytes ?? 16 * 2 ** 20;
  if (!(initialBytes > 0 && initialBytes <= MAX_PAGES * 65536)) {
    throw new InvalidArgumentError('createWasmBackend', `initialMemoryBytes must be in (0, 4 GiB], got ${initialBytes}`);
  }
  const source = isVariantPair(options.wasm) ? (shared ? options.wasm.shared : options.wasm.single) : options.wasm;
  let module: WebAssembly.Module;
  try {
    module = await compileKernels(source, shared);
  } catch (error) {
    throw new WasmBackendUnavailableError(`could not load ${String(source ?? 'the package\'s wasm/ file')}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // A shared memory reserves its maximum up front: where 4 GiB of address space is refused (32-bit
  // devices), fall back to 1 GiB.
  let memory: WebAssembly.Memory | undefined;
  let maxPages = MAX_PAGES;
  for (const maximum of [MAX_PAGES, MAX_PAGES / 4]) {
    try {
      memory = new WebAssembly.Memory({ initial: Math.ceil(initialBytes / 65536), maximum, shared });
      maxPages = maximum;
      break;
    } catch (error) {
      if (maximum === MAX_PAGES / 4) throw new OutOfMemoryError(initialBytes, 0, 0, error);
    }
  }
  if (!memory) throw new OutOfMemoryError(initialBytes, 0, 0);
  let exports: KernelExports;
  try {
    exports = instantiateKernels(module, memory);
  } catch (error) {
    throw new WasmBackendUnavailableError(error instanceof Error ? error.message : String(error));
  }
  const heap = new LinearMemory(memory, shared, exports.heapBase(), maxPages);
  let pool: ThreadPool | undefined;
  if (threads > 1) {
    const control = heap.alloc(CONTROL_BYTES).address;
    try {
      pool = await ThreadPool.start(module, memory, control, threads - 1);
    } catch (error) {
      throw new WasmBackendUnavailableError(`worker threads failed to start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return new WasmBackend(exports, heap, pool);
}
