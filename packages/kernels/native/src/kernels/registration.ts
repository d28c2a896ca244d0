/** `kernel()` specialised to the native backend, so implementations see `NativeBackend`. */
import { kernel, type KernelContext, type KernelDef, type KernelRef, type KernelRegistration } from '@tessera/tensor';
import type { NativeBackend } from '../backend.js';

export type NativeKernel = KernelRegistration<NativeBackend>;

/**
 * `def` is a definition of the core, or a reference by name to one defined in a package this one
 * does not import. Outputs reach `run` without the zero fill of a reused buffer, because the
 * kernel writes every element; a kernel that accumulates into its outputs says
 * `{ accumulates: true }` and gets them zero-filled. `{ half: true }`: the kernel reads
 * float16/bfloat16 inputs as stored (the engine then skips its float32 copies around the call).
 */
export function nativeKernel<A>(def: KernelDef<A> | KernelRef<A>, run: (context: KernelContext<A, NativeBackend>) => void,
  options: { accumulates?: boolean; half?: boolean } = {}): NativeKernel {
  const half = { half: options.half === true };
  if (options.accumulates) return kernel<A, NativeBackend>(def, run, half);
  return kernel<A, NativeBackend>(def, (context) => {
    for (const output of context.outputs) context.backend.claimOutput(output.handle);
    run(context);
  }, half);
}

/** Op codes shared with native/isa.h and native/ops.h. */
export const UNARY = {
  neg: 0, abs: 1, sign: 2, exp: 3, log: 4, sqrt: 5, rsqrt: 6, tanh: 7, sigmoid: 8, relu: 9, erf: 10,
  geluTanh: 11, geluErf: 12, pow: 13, clamp: 14,
} as const;
export const BINARY = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 } as const;
export const COMPARE = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5 } as const;
export const REDUCE = { sum: 0, max: 1, min: 2, logSumExp: 3, argMax: 4, argMin: 5 } as const;
