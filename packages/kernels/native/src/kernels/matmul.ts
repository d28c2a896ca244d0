/**
 * Matmul (native/gemm.cc): a [...batch, M, K] @ b [...batch, K, N] -> y [...batch, M, N] for
 * float32 and float64, and half storage as stored (`half: true`): float16/bfloat16 operands (either
 * or both, the other float32) are converted to float32 while packing, accumulated in float32 and
 * rounded once to the output dtype, bit for bit what casting up to float32 gives. Operands are read through their strides
 * (transposed, sliced and stride-0 broadcast batch views need no copy): the BLIS-style gemm packs
 * panels from any layout, then runs the register-blocked micro-kernel of the chosen ISA, split
 * across the backend's threads.
 */
import { kernels as K } from '@tessera/tensor';
import { DTYPE_CODE } from '../addon.js';
import { nativeKernel, type NativeKernel } from './registration.js';

export const matmulKernels: NativeKernel[] = [
  nativeKernel(K.Matmul, ({ backend, inputs: [a, b], outputs: [y] }) => {
    backend.call().view(a!).view(b!).push(DTYPE_CODE[y!.dtype]);
    backend.addon.matmul(backend.array(a!.handle), backend.array(b!.handle), backend.array(y!.handle));
  }, { half: true }),
];
