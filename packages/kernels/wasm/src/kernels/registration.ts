/** `kernel()` specialised to the WASM backend, so implementations see `WasmBackend`. */
import { kernel, type KernelContext, type KernelDef, type KernelRef, type KernelRegistration } from '@tessera/tensor';
import type { WasmBackend } from '../backend.js';

export type WasmKernel = KernelRegistration<WasmBackend>;

/** `def` is a definition of the core, or a {@link KernelRef} to one defined in a package this one does not import. */
export function wasmKernel<A>(def: KernelDef<A> | KernelRef<A>, run: (context: KernelContext<A, WasmBackend>) => void): WasmKernel {
  return kernel<A, WasmBackend>(def, run);
}

/** Op codes shared with assembly/elementwise.ts and assembly/reduce.ts. */
export const UNARY = {
  neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, rsqrt: 5, tanh: 6, sigmoid: 7, relu: 8, erf: 9, geluTanh: 10, geluErf: 11, square: 12, copy: 13,
} as const;
export const BINARY = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 } as const;
export const REDUCE = { sum: 0, max: 1, min: 2, logSumExp: 3 } as const;
