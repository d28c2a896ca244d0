/** The native backend's kernel list: adding a kernel is a new entry here. */
import type { NativeKernel } from './registration.js';
import { attentionKernels } from './attention.js';
import { optimKernels } from './optim.js';
import { elementwiseKernels } from './elementwise.js';
import { matmulKernels } from './matmul.js';
import { memoryKernels } from './memory.js';
import { nnKernels } from './nn.js';
import { reduceKernels } from './reduce.js';

export const nativeKernels: readonly NativeKernel[] = [
  ...elementwiseKernels,
  ...reduceKernels,
  ...matmulKernels,
  ...memoryKernels,
  ...nnKernels,
  ...attentionKernels,
  ...optimKernels,
];
