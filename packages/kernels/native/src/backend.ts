/**
 * The native backend: buffers are typed arrays in JavaScript memory (so `readSync` works and the
 * addon reads them in place, without copies); kernels run in the C++ addon on the chosen ISA path
 * with a persistent thread pool.
 */
import { availableParallelism } from 'node:os';
import {
  allocStorage, createCpuBackend, InvalidArgumentError, TesseraError, type Backend, type BackendMemory, type CpuBackend, type DataHandle,
  type DType, type KernelRegistration, type StorageArray,
} from '@tessera/tensor';
import { loadAddon, type Meta, type NativeAddon, type NativeAddonInfo, type NativeIsa } from './addon.js';
import { nativeKernels } from './kernels/index.js';

/**
 * Options of {@link createNativeBackend}.
 *
 * @example
 * ```ts
 * const options: NativeBackendOptions = { threads: 2, isa: 'avx2', fallback: 'throw' };
 * ```
 */
export interface NativeBackendOptions {
  /** Threads a kernel may use, the caller's included (default: `TESSERA_NATIVE_THREADS`, else the cores available). */
  threads?: number;
  /** Force an instruction-set path (default: `TESSERA_NATIVE_ISA`, else the fastest this CPU runs). */
  isa?: NativeIsa;
  /**
   * When the addon is missing or cannot load: 'cpu' (default) prints a one-line notice and returns
   * the reference CPU backend; 'throw' throws {@link NativeBackendUnavailableError}.
   */
  fallback?: 'cpu' | 'throw';
  /**
   * Bytes of disposed buffers kept for reuse (default 1 GiB; 0 disables). A reused buffer is
   * zero-filled again only when something reads it before a kernel overwrites it, which is much
   * cheaper than fresh pages from the OS, and steady-state training steps then allocate nothing
   * (the benchmark MPT's step has a dozen 64 MB logits-sized temporaries).
   */
  poolBytes?: number;
}

/**
 * The native addon could not be loaded (not built at install, or built for another Node/CPU).
 *
 * @example
 * ```ts
 * try { useBackend(await createNativeBackend({ fallback: 'throw' })); }
 * catch (e) { if (NativeBackendUnavailableError.isInstance(e)) console.log(e.reason); }
 * ```
 */
export class NativeBackendUnavailableError extends TesseraError {
  constructor(readonly reason: string) {
    super(`@tessera/kernels-native: the native addon is unavailable: ${reason}`, {
      hint: 'rebuild it with `pnpm --filter @tessera/kernels-native run build:native` (needs g++, make, python3 and Node headers)',
    });
  }

  static override isInstance(value: unknown): value is NativeBackendUnavailableError {
    return TesseraError.isInstance(value) && value.name === 'NativeBackendUnavailableError';
  }
}

/**
 * Whether the addon loaded, and what it offers.
 *
 * @example
 * ```ts
 * const status = nativeStatus();
 * if (status.available) console.log(status.isas.filter((i) => i.available).map((i) => i.name)); // ['avx2', 'sse']
 * else console.log(status.reason);
 * ```
 */
export type NativeStatus = ({ available: true; path: string } & NativeAddonInfo) | { available: false; reason: string };

/**
 * Load the addon (once) and describe it; never throws.
 *
 * @example
 * ```ts
 * if (!nativeStatus().available) console.log('using the reference backend');
 * ```
 */
export function nativeStatus(): NativeStatus {
  const state = loadAddon();
  return state.ok ? { available: true, path: state.path, ...state.info } : { available: false, reason: state.reason };
}

/**
 * The native backend's class; make one with {@link createNativeBackend}.
 *
 * @example
 * ```ts
 * const backend = await createNativeBackend({ threads: 2 });
 * if (backend instanceof NativeBackend) console.log(backend.isa, backend.threads); // 'avx2' 2
 * ```
 */
export class NativeBackend implements Backend {
  readonly name: string = 'native';
  readonly kernels: readonly KernelRegistration<Backend>[] = nativeKernels;
  /** The instruction-set path its kernels run on. */
  readonly isa: NativeIsa;
  /** Threads a kernel may use (the caller's included). */
  readonly threads: number;
  /** @internal */
  readonly addon: NativeAddon;
  readonly #meta: Meta;
  readonly #isaIndex: number;
  readonly #buffers = new Map<number, StorageArray>();
  /** Reused buffers still holding old contents: zero-filled on first access unless claimed by a kernel. */
  readonly #stale = new Set<number>();
  readonly #pool: BufferPool;
  #nextId = 1;
  #bytes = 0;

  /** @internal Use {@link createNativeBackend}. */
  constructor(addon: NativeAddon, meta: Meta, isa: NativeIsa, isaIndex: number, threads: number, poolBytes: number) {
    this.addon = addon;
    this.#meta = meta;
    this.isa = isa;
    this.#isaIndex = isaIndex;
    this.threads = threads;
    this.#pool = new BufferPool(poolBytes);
  }

  /** Every dtype: float16/bfloat16 are stored here and computed in float32 by the engine. */
  supportsDType(_dtype: DType): boolean {
    return true;
  }

  /**
   * Zero-filled storage. A buffer reused from the pool is zero-filled lazily: on first access,
   * unless a kernel that overwrites its whole output claims it first (`claimOutput`), which skips
   * the fill (a multi-megabyte memset per intermediate otherwise).
   */
  alloc(dtype: DType, size: number): DataHandle {
    const id = this.#nextId++;
    let array = this.#pool.take(dtype, size);
    if (array) {
      this.#stale.add(id);
    } else {
      array = allocStorage(dtype, size);
      if (array.byteLength >= HUGE_PAGE_BYTES) this.addon.adviseHugePages(array);
    }
    this.#buffers.set(id, array);
    this.#bytes += array.byteLength;
    return { id, backend: this.name };
  }

  write(handle: DataHandle, data: StorageArray): void {
    const target = this.#buffers.get(handle.id) ?? this.array(handle);
    if (data.length > target.length) {
      throw new InvalidArgumentError('write', `${data.length} elements do not fit a buffer of ${target.length}`);
    }
    if (this.#stale.delete(handle.id) && data.length < target.length) target.fill(0, data.length);
    target.set(data);
  }

  /** A copy (the buffer may be reused once disposed); big ones are copied by the addon's threads into huge pages. */
  async read(handle: DataHandle): Promise<StorageArray> {
    const array = this.array(handle);
    if (array.byteLength < HUGE_PAGE_BYTES) return array.slice();
    const copy = allocLike(array);
    this.call();
    this.addon.copyOut(array, copy);
    return copy;
  }

  /** The live array itself (no copy): callers must not keep or mutate it. */
  readSync(handle: DataHandle): StorageArray {
    return this.array(handle);
  }

  dispose(handle: DataHandle): void {
    const array = this.#buffers.get(handle.id);
    if (!array) return;
    this.#stale.delete(handle.id);
    this.#bytes -= array.byteLength;
    this.#buffers.delete(handle.id);
    this.#pool.give(array);
  }

  /** Kernels run synchronously: nothing is ever queued. */
  async sync(): Promise<void> {}

  memory(): BackendMemory {
    return { liveBuffers: this.#buffers.size, liveBytes: this.#bytes };
  }

  /** The typed array behind a handle (kernels use this), zero-filled first if it is a reused buffer not yet claimed. */
  array(handle: DataHandle): StorageArray {
    const array = this.#buffers.get(handle.id);
    if (!array) throw new Error(`internal: native buffer ${handle.id} does not exist (disposed?)`);
    if (this.#stale.size && this.#stale.delete(handle.id)) array.fill(0);
    return array;
  }

  /** @internal A kernel that writes every element of this output takes it without the zero fill. */
  claimOutput(handle: DataHandle): void {
    this.#stale.delete(handle.id);
  }

  /** @internal Start describing a call: the shared metadata array, headed by ISA and threads. */
  call(): Meta {
    return this.#meta.begin(this.#isaIndex, this.threads);
  }
}

/**
 * Disposed buffers kept for reuse, by storage type and length, up to a byte budget (past it, a
 * disposed buffer is left to the garbage collector). `readSync` hands out live arrays, but callers
 * must not keep them (the Backend contract), so a disposed buffer is free to reuse.
 */
class BufferPool {
  readonly #free = new Map<string, StorageArray[]>();
  #bytes = 0;

  constructor(readonly budget: number) {}

  /** A disposed buffer of this type and length, with its old contents (the backend zero-fills it lazily). */
  take(dtype: DType, size: number): StorageArray | undefined {
    const array = this.#free.get(`${STORAGE_NAME[dtype]}:${size}`)?.pop();
    if (!array) return undefined;
    this.#bytes -= array.byteLength;
    return array;
  }

  give(array: StorageArray): void {
    if (array.length === 0 || this.#bytes + array.byteLength > this.budget) return;
    const key = `${array.constructor.name}:${array.length}`;
    let list = this.#free.get(key);
    if (!list) this.#free.set(key, (list = []));
    list.push(array);
    this.#bytes += array.byteLength;
  }
}

/** From this size on, fresh buffers ask for huge pages (4 KB page faults dominate copies into new memory). */
const HUGE_PAGE_BYTES = 4 * 2 ** 20;

function allocLike(array: StorageArray): StorageArray {
  if (array instanceof Float32Array) return new Float32Array(array.length);
  if (array instanceof Float64Array) return new Float64Array(array.length);
  if (array instanceof Int32Array) return new Int32Array(array.length);
  if (array instanceof Uint16Array) return new Uint16Array(array.length);
  return new Uint8Array(array.length);
}

const STORAGE_NAME: Readonly<Record<DType, string>> = {
  float32: 'Float32Array', float64: 'Float64Array', float16: 'Uint16Array', bfloat16: 'Uint16Array', int32: 'Int32Array', bool: 'Uint8Array',
};


const ISAS: readonly NativeIsa[] = ['avx512', 'avx2', 'sse'];
let noticePrinted = false;

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError('createNativeBackend', `${what} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Create the native backend. The ISA path is `options.isa`, else `TESSERA_NATIVE_ISA`, else the
 * fastest one this CPU runs; asking for a path the CPU or build lacks is an error that lists the
 * available ones. When the addon is missing, it prints one line to stderr and returns the reference
 * CPU backend (or throws, with `fallback: 'throw'`).
 *
 * @example
 * ```ts
 * import { useBackend, matmul, randn } from '@tessera/tensor';
 * import { createNativeBackend } from '@tessera/kernels-native';
 *
 * useBackend(await createNativeBackend({ threads: 2 }));
 * const y = matmul(randn([512, 512], { seed: 1 }), randn([512, 512], { seed: 2 }));
 * console.log((await y.data())[0]);
 * ```
 */
export async function createNativeBackend(options: NativeBackendOptions = {}): Promise<NativeBackend | CpuBackend> {
  const state = loadAddon();
  if (!state.ok) {
    if (options.fallback === 'throw') throw new NativeBackendUnavailableError(state.reason);
    if (!noticePrinted) {
      noticePrinted = true;
      process.stderr.write(`@tessera/kernels-native: native addon unavailable (${state.reason}); using the reference CPU backend\n`);
    }
    return createCpuBackend();
  }
  const available = state.info.isas.filter((i) => i.available).map((i) => i.name);
  const requested = options.isa ?? (process.env.TESSERA_NATIVE_ISA || undefined);
  const isa = requested ?? available[0];
  const index = state.info.isas.findIndex((i) => i.name === isa);
  const entry = state.info.isas[index];
  if (!isa || !entry || !entry.available) {
    const why = entry ? entry.reason : `it is not one of ${ISAS.join(', ')}`;
    throw new InvalidArgumentError('createNativeBackend', `instruction set '${String(isa)}' is unavailable: ${why}`,
      `use one of: ${available.join(', ')} (option isa or TESSERA_NATIVE_ISA)`);
  }
  const envThreads = process.env.TESSERA_NATIVE_THREADS;
  const threads = positiveInteger(options.threads ?? (envThreads ? Number(envThreads) : availableParallelism()),
    options.threads !== undefined ? 'threads' : 'TESSERA_NATIVE_THREADS');
  const poolBytes = options.poolBytes ?? 2 ** 30;
  if (!(poolBytes >= 0)) throw new InvalidArgumentError('createNativeBackend', `poolBytes must be >= 0, got ${poolBytes}`);
  return new NativeBackend(state.addon, state.meta, entry.name, index, threads, poolBytes);
}
