/** Every kernel definition of the core, for backends to implement and tests to enumerate. */
export { Copy } from './copy.js';
export * from './elementwise.js';
export * from './reduce.js';
export { Matmul } from './matmul.js';
export { Reshape, Permute, Slice, Expand, Alias } from './views.js';
export { Gather, ScatterAdd } from './gather.js';
export { Concat } from './concat.js';
export { Softmax } from './softmax.js';
export { LogSoftmax } from './log-softmax.js';
export { LogSumExp } from './logsumexp.js';
export { Gelu, GeluBackward, type GeluApproximation } from './gelu.js';
export { LayerNorm, LayerNormBackward } from './layer-norm.js';
export { CrossEntropy, CrossEntropyBackward } from './cross-entropy.js';
