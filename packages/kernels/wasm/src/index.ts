/**
 * @tessera/kernels-wasm: a WebAssembly SIMD128 backend for Tessera that runs in Node and in
 * browsers, with matmul split over worker threads sharing one linear memory.
 *
 * @example
 * ```ts
 * import { matmul, randn, softmax, useBackend } from '@tessera/tensor';
 * import { createWasmBackend } from '@tessera/kernels-wasm';
 *
 * useBackend(await createWasmBackend({ threads: 2 }));
 * const probs = softmax(matmul(randn([256, 256], { seed: 1 }), randn([256, 256], { seed: 2 })), -1);
 * console.log((await probs.data()).slice(0, 4));
 * ```
 */
export { WasmBackend, createWasmBackend, type WasmBackendOptions } from './backend.js';
export { OutOfMemoryError, WasmBackendUnavailableError } from './errors.js';
export { WASM_FILES, defaultWasmUrl, type WasmSource } from './module.js';
export { wasmKernelNames } from './kernels/index.js';
