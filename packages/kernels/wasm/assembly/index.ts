// The WASM module's exports (compiled by scripts/build-wasm.mjs with AssemblyScript into
// wasm/tessera-kernels.wasm). Memory is imported (env.memory, shared); the module keeps no state
// in it: every buffer, parameter block and workspace is allocated by the JavaScript side.
export { sgemm, gemmWorkspaceBytes } from './gemm';
export { unary, binary } from './elementwise';
export { reduce } from './reduce';
export { softmax, layerNorm, crossEntropy, gather, scatterAdd } from './nn';
export { geluBackward, layerNormBackward, crossEntropyBackward } from './nn-backward';
export { attentionForward, attentionBackward, attentionWorkspaceBytes } from './attention';
export { optimizerStep } from './optim';
export { rowsJob } from './rows';

/** First byte after the module's static data: the JavaScript allocator starts above it. */
export function heapBase(): usize {
  return __heap_base;
}
