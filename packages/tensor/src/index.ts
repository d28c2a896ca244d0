/**
 * @tessera/tensor: tensors, reverse-mode autograd, the typed kernel registry and the reference
 * CPU backend.
 *
 * @example
 * ```ts
 * import { randn, matmul, sum, valueAndGrad } from '@tessera/tensor';
 * const w = randn([3, 3], { seed: 1 });
 * const x = randn([2, 3], { seed: 2 });
 * const { value, grads: [dw] } = valueAndGrad((w) => sum(matmul(x, w)))(w);
 * console.log(await value.item(), await dw.data());
 * ```
 */
export { Tensor } from './tensor.js';
export type { DType, DataArray, StorageArray } from './dtype.js';
export { DTYPES, allocStorage, bytesPerElement, isFloat, isHalf, floatToHalfBits, halfBitsToFloat, floatToBfloat16Bits, bfloat16BitsToFloat } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes, sizeOf } from './shape.js';
export * from './errors.js';
export type { Backend, BackendMemory, DataHandle, TensorInfo } from './backend.js';
export type { KernelDef, KernelContext, KernelOptions, KernelRef, KernelRegistration, GradRule, TensorMeta, ViewResult, Ops } from './kernel.js';
export { defineKernel, defineGrad, gradRuleOf, kernel, kernelDefs, kernelRef, findKernel, registerKernel } from './kernel.js';
export { getBackend, useBackend, runKernel, scope, keep, dispose, noGrad, memory, toBackend } from './engine.js';
export { valueAndGrad, grad } from './autograd.js';
export { Generator, manualSeed, globalGenerator } from './random.js';
export type { GeneratorState } from './random.js';
export * from './ops/index.js';
export * as kernels from './kernels/index.js';
export { CpuBackend, createCpuBackend } from './backends/cpu/backend.js';
