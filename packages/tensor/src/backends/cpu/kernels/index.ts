/** The CPU backend's kernel list: adding a kernel is a new entry here. */
import type { CpuKernel } from '../registration.js';
import { concatKernels } from './concat.js';
import { elementwiseKernels } from './elementwise.js';
import { gatherKernels } from './gather.js';
import { matmulKernels } from './matmul.js';
import { nnKernels } from './nn.js';
import { reduceKernels } from './reduce.js';

export const cpuKernels: readonly CpuKernel[] = [
  ...elementwiseKernels,
  ...reduceKernels,
  ...matmulKernels,
  ...gatherKernels,
  ...concatKernels,
  ...nnKernels,
];
