/**
 * The reference CPU backend: plain TypeScript, buffers are typed arrays in host memory. Simple
 * and correct first; matmul is cache-blocked and register-tiled (see gemm.ts).
 */
import type { Backend, BackendMemory, DataHandle } from '../../backend.js';
import type { KernelRegistration } from '../../kernel.js';
import { allocStorage, bytesPerElement, type DType, type StorageArray } from '../../dtype.js';
import { InvalidArgumentError } from '../../errors.js';
import { cpuKernels } from './kernels/index.js';

/**
 * The reference CPU backend's class; buffers are typed arrays in host memory, so it also
 * supports `readSync`. Use {@link createCpuBackend} to make one.
 *
 * @example
 * ```ts
 * const cpu = new CpuBackend();
 * useBackend(cpu);
 * const y = matmul(randn([8, 4], { seed: 1 }), randn([4, 2], { seed: 2 }));
 * console.log(y.dataSync(), cpu.memory()); // { liveBuffers, liveBytes }
 * ```
 */
export class CpuBackend implements Backend {
  readonly name: string = 'cpu';
  readonly kernels: readonly KernelRegistration<Backend>[] = cpuKernels;
  readonly #buffers = new Map<number, StorageArray>();
  #nextId = 1;
  #bytes = 0;

  supportsDType(_dtype: DType): boolean {
    return true;
  }

  alloc(dtype: DType, size: number): DataHandle {
    const id = this.#nextId++;
    this.#buffers.set(id, allocStorage(dtype, size));
    this.#bytes += size * bytesPerElement(dtype);
    return { id, backend: this.name };
  }

  write(handle: DataHandle, data: StorageArray): void {
    const target = this.array(handle);
    if (data.length > target.length) {
      throw new InvalidArgumentError('write', `${data.length} elements do not fit a buffer of ${target.length}`);
    }
    target.set(data);
  }

  async read(handle: DataHandle): Promise<StorageArray> {
    return this.array(handle).slice();
  }

  /** The live array itself (no copy): callers must not keep or mutate it. */
  readSync(handle: DataHandle): StorageArray {
    return this.array(handle);
  }

  dispose(handle: DataHandle): void {
    const array = this.#buffers.get(handle.id);
    if (!array) return;
    this.#bytes -= array.byteLength;
    this.#buffers.delete(handle.id);
  }

  async sync(): Promise<void> {}

  memory(): BackendMemory {
    return { liveBuffers: this.#buffers.size, liveBytes: this.#bytes };
  }

  /** The typed array behind a handle (kernels use this). */
  array(handle: DataHandle): StorageArray {
    const array = this.#buffers.get(handle.id);
    if (!array) throw new Error(`internal: cpu buffer ${handle.id} does not exist (disposed?)`);
    return array;
  }
}

/**
 * The reference CPU backend (the default: a program that selects nothing runs here).
 *
 * @example
 * ```ts
 * useBackend(createCpuBackend());
 * ```
 */
export function createCpuBackend(): CpuBackend {
  return new CpuBackend();
}
