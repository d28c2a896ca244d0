/**
 * The WASM backend's kernel list: the WASM implementations, then the reference implementation for
 * every other kernel definition the reference backend has (comparisons, Where, Cast, Concat,
 * ArgMax/ArgMin, Sign, Clamp). Adding a kernel is a new entry here.
 */
import { attentionKernels } from './attention.js';
import { elementwiseKernels } from './elementwise.js';
import { matmulKernels } from './matmul.js';
import { memoryKernels } from './memory.js';
import { nnKernels } from './nn.js';
import { optimKernels } from './optim.js';
import { reduceKernels } from './reduce.js';
import { referenceDefs, referenceKernel } from './reference.js';
import type { WasmKernel } from './registration.js';

const native: WasmKernel[] = [
  ...elementwiseKernels, ...reduceKernels, ...matmulKernels, ...memoryKernels, ...nnKernels, ...attentionKernels, ...optimKernels,
];
const covered = new Set(native.map((k) => k.def.name));

/**
 * Names of the kernel definitions with a WASM implementation (for float32), including the model's
 * `Attention`/`AttentionBackward` and the trainer's `LionStep`/`AdamStep` (registered by name); the
 * others run the reference loops on views of linear memory.
 *
 * @example
 * ```ts
 * console.log(wasmKernelNames.includes('Matmul')); // true
 * ```
 */
export const wasmKernelNames: readonly string[] = [...covered];

export const wasmKernels: readonly WasmKernel[] = [
  ...native,
  ...referenceDefs().filter((def) => !covered.has(def.name)).map(referenceKernel),
];
