/**
 * Moving values between backends through the host, and running code on a chosen backend.
 * Tensors cannot cross backends, so the suite reads a tensor's values (row-major, decoded to
 * numbers) and writes them again where they are needed.
 */
import { Generator, Tensor, getBackend, isFloat, tensor, useBackend, type Backend, type DType } from '@tessera/tensor';

/** A tensor's values on the host, row-major, with its shape and dtype. @example `{ values: Float64Array.of(1, 2), shape: [2], dtype: 'float32' }` */
export interface HostTensor {
  readonly values: Float64Array;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Read a tensor (any backend, any view) to the host. */
export async function toHost(t: Tensor): Promise<HostTensor> {
  return { values: Float64Array.from(await t.data()), shape: [...t.shape], dtype: t.dtype };
}

/**
 * Write host values as a new contiguous tensor on the current backend. Floating-point values take
 * `floatDType` when given (rounding as that dtype stores them); int32 and bool keep their dtype.
 */
export function fromHost(host: HostTensor, floatDType?: DType): Tensor {
  const dtype = floatDType !== undefined && isFloat(host.dtype) ? floatDType : host.dtype;
  return tensor(host.values, host.shape, dtype);
}

/**
 * Run `fn` with `backend` as the current backend, restoring the previous one afterwards (also
 * when `fn` throws or its promise rejects). Tests using it must not run concurrently.
 *
 * @example
 * ```ts
 * const values = await onBackend(createCpuBackend(), async () => (await toHost(randn([2]))).values);
 * ```
 */
export async function onBackend<T>(backend: Backend, fn: () => T | Promise<T>): Promise<T> {
  const previous = getBackend();
  useBackend(backend);
  try {
    return await fn();
  } finally {
    useBackend(previous);
  }
}

/** Seeded standard-normal values (a fixed upstream gradient). */
export function normalValues(size: number, seed: number): Float64Array {
  const g = new Generator(seed);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = g.nextNormal();
  return out;
}

/** Dispose tensors and lists of tensors (null and undefined entries are ignored). */
export function disposeAll(...items: readonly (Tensor | null | undefined | readonly (Tensor | null | undefined)[])[]): void {
  for (const item of items) {
    if (item instanceof Tensor) item.dispose();
    else if (item) for (const t of item) t?.dispose();
  }
}
