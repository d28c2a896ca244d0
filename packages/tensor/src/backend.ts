/**
 * The backend interface: a device that owns buffers. It is deliberately small and shaped for
 * asynchronous devices with explicit buffer lifetimes (WebGPU): buffers are allocated, written,
 * read back asynchronously and disposed; `sync` waits for queued work. Kernels are registered
 * separately (see `kernel.ts`), keyed by (kernel definition, backend name).
 *
 * @example
 * ```ts
 * const backend = createCpuBackend();
 * const h = backend.alloc('float32', 4);
 * backend.write(h, new Float32Array([1, 2, 3, 4]));
 * const data = await backend.read(h);
 * backend.dispose(h);
 * ```
 */
import type { DType, StorageArray } from './dtype.js';
import type { Shape } from './shape.js';
import type { KernelRegistration } from './kernel.js';

/**
 * An opaque buffer owned by one backend.
 *
 * @example
 * ```ts
 * const h: DataHandle = backend.alloc('float32', 16); // { id: 1, backend: 'cpu' }
 * backend.dispose(h);
 * ```
 */
export interface DataHandle {
  readonly id: number;
  readonly backend: string;
}

/**
 * What `Backend.memory()` reports: live buffers and their bytes.
 *
 * @example
 * ```ts
 * const { liveBuffers, liveBytes }: BackendMemory = getBackend().memory();
 * ```
 */
export interface BackendMemory {
  /** Buffers allocated and not yet disposed. */
  liveBuffers: number;
  liveBytes: number;
}

/**
 * A device that owns buffers: allocation, host transfers, explicit disposal and a work queue
 * to wait on. Its kernels are registered when it is first passed to `useBackend`.
 *
 * @example
 * ```ts
 * const backend: Backend = createCpuBackend();
 * useBackend(backend);
 * const y = matmul(randn([64, 64], { seed: 1 }), randn([64, 64], { seed: 2 }));
 * await backend.sync();
 * console.log(backend.name, backend.memory());
 * ```
 */
export interface Backend {
  /** Unique name, also the key of its kernels in the registry. */
  readonly name: string;
  /** Kernels this backend implements; registered when the backend is first used. */
  readonly kernels: readonly KernelRegistration<Backend>[];
  supportsDType(dtype: DType): boolean;
  /** Storage for `size` elements of `dtype`, zero-filled. */
  alloc(dtype: DType, size: number): DataHandle;
  /** Copy host data (in the dtype's storage format) into a buffer, starting at element 0. */
  write(handle: DataHandle, data: StorageArray): void;
  /** Read a whole buffer back to the host, after all queued work that writes it. */
  read(handle: DataHandle): Promise<StorageArray>;
  /** Synchronous read, only for backends whose buffers live in host memory. */
  readSync?(handle: DataHandle): StorageArray;
  dispose(handle: DataHandle): void;
  /** Resolves when every queued kernel has finished. */
  sync(): Promise<void>;
  memory(): BackendMemory;
}

/**
 * What a kernel sees of a tensor: its buffer and a strided view into it.
 *
 * @example
 * ```ts
 * // In a CPU kernel implementation: element (i, j) of a rank-2 input `x: TensorInfo`.
 * const v = backend.array(x.handle)[x.offset + i * x.strides[0]! + j * x.strides[1]!];
 * ```
 */
export interface TensorInfo {
  readonly handle: DataHandle;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: Shape;
  readonly offset: number;
  readonly size: number;
}
