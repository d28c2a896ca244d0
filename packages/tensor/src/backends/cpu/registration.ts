/** `kernel()` specialised to the CPU backend, so implementations see `CpuBackend`. */
import { kernel, type KernelContext, type KernelDef, type KernelRegistration } from '../../kernel.js';
import type { CpuBackend } from './backend.js';

export type CpuKernel = KernelRegistration<CpuBackend>;

export function cpuKernel<A>(def: KernelDef<A>, run: (context: KernelContext<A, CpuBackend>) => void): CpuKernel {
  return kernel<A, CpuBackend>(def, run);
}
