/**
 * The reference backend's implementations, run on this backend's buffers. The reference kernels
 * (`createCpuBackend().kernels`) reach their data only through `backend.array(handle)`, which
 * `WasmBackend` implements with typed-array views of linear memory, so every kernel definition
 * outside the WASM hot set (and every dtype other than float32 inside it) runs them unchanged.
 * They never allocate while they run, so the views cannot go stale under them.
 */
import { createCpuBackend, kernel, type Backend, type KernelContext, type KernelRegistration } from '@tessera/tensor';
import type { WasmBackend } from '../backend.js';
import type { WasmKernel } from './registration.js';

type Definition = KernelRegistration<Backend>['def'];

const referenceKernels = new Map<string, KernelRegistration<Backend>>(createCpuBackend().kernels.map((k) => [k.def.name, k]));

/** Definitions the reference backend implements. */
export function referenceDefs(): Definition[] {
  return [...referenceKernels.values()].map((k) => k.def);
}

/** Run the reference implementation of the definition named `def.name` on this backend's buffers. */
export function runReference<A>(def: { readonly name: string }, context: KernelContext<A, WasmBackend>): void {
  const registration = referenceKernels.get(def.name);
  if (!registration) throw new Error(`internal: the reference backend has no kernel ${def.name}`);
  registration.run(context);
}

/** A registration that always runs the reference implementation. */
export function referenceKernel(def: Definition): WasmKernel {
  return kernel<unknown, WasmBackend>(def, (context) => runReference(def, context));
}
