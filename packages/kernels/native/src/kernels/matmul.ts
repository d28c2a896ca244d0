/**
 * Matmul (native/gemm.cc): a [...batch, M, K] @ b [...batch, K, N] -> y [...batch, M, N] for
 * float32 and float64 (half storage arrives as float32). Operands are read through their strides
 * (transposed, sliced and stride-0 broadcast batch views need no copy): the BLIS-style gemm packs
 * panels from any layout, then runs the register-blocked micro-kernel of the chosen ISA, split
 * across the backend's threads.
 */
import { kernels as K } from '@tessera/tensor';
import { nativeKernel, type NativeKernel } from './registration.js';

export const matmulKernels: NativeKernel[] = [
  nativeKernel(K.Matmul, ({ backend, inputs: [a, b], outputs: [y] }) => {
    backend.call().view(a!).view(b!);
    backend.addon.matmul(backend.array(a!.handle), backend.array(b!.handle), backend.array(y!.handle));
  }),
];
