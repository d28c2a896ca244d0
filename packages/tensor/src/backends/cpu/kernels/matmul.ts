/**
 * Batched matmul: one gemm per batch index, each operand read through its strides (transposed
 * and broadcast views need no copy; gemm packs panels itself).
 */
import { Matmul } from '../../../kernels/matmul.js';
import { gemm, type FloatArray } from '../gemm.js';
import { cpuKernel, type CpuKernel } from '../registration.js';
import { offsetsOf } from '../strided.js';

export const matmulKernels: CpuKernel[] = [
  cpuKernel(Matmul, ({ backend, inputs: [a, b], outputs: [y] }) => {
    const rank = a!.shape.length;
    const [M, K] = [a!.shape[rank - 2]!, a!.shape[rank - 1]!];
    const N = b!.shape[rank - 1]!;
    const batch = a!.shape.slice(0, -2);
    const aAt = offsetsOf(batch, a!.strides.slice(0, -2), a!.offset);
    const bAt = offsetsOf(batch, b!.strides.slice(0, -2), b!.offset);
    const as = backend.array(a!.handle) as FloatArray;
    const bs = backend.array(b!.handle) as FloatArray;
    const ys = backend.array(y!.handle) as FloatArray;
    for (let i = 0; i < aAt.length; i++) {
      gemm(M, N, K, as, aAt[i]!, a!.strides[rank - 2]!, a!.strides[rank - 1]!, bs, bAt[i]!, b!.strides[rank - 2]!, b!.strides[rank - 1]!, ys, i * M * N);
    }
  }),
];
