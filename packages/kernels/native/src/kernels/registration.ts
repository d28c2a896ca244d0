/** `kernel()` specialised to the native backend, so implementations see `NativeBackend`. */
import { kernel, type KernelContext, type KernelDef, type KernelRegistration } from '@tessera/tensor';
import type { NativeBackend } from '../backend.js';

export type NativeKernel = KernelRegistration<NativeBackend>;

export function nativeKernel<A>(def: KernelDef<A>, run: (context: KernelContext<A, NativeBackend>) => void): NativeKernel {
  return kernel<A, NativeBackend>(def, run);
}

/** Op codes shared with native/isa.h and native/ops.h. */
export const UNARY = {
  neg: 0, abs: 1, sign: 2, exp: 3, log: 4, sqrt: 5, rsqrt: 6, tanh: 7, sigmoid: 8, relu: 9, erf: 10,
  geluTanh: 11, geluErf: 12, pow: 13, clamp: 14,
} as const;
export const BINARY = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 } as const;
export const COMPARE = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5 } as const;
export const REDUCE = { sum: 0, max: 1, min: 2, logSumExp: 3, argMax: 4, argMin: 5 } as const;
