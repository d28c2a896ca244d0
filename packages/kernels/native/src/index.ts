/**
 * @tessera/kernels-native: a Node-API backend for Tessera with SIMD kernels (AVX-512, AVX2+FMA or
 * SSE, chosen at run time) and a persistent thread pool. Buffers are JavaScript typed arrays the
 * addon reads in place.
 *
 * @example
 * ```ts
 * import { matmul, randn, useBackend } from '@tessera/tensor';
 * import { createNativeBackend } from '@tessera/kernels-native';
 *
 * useBackend(await createNativeBackend({ threads: 2 }));
 * const y = matmul(randn([1024, 1024], { seed: 1 }), randn([1024, 1024], { seed: 2 }));
 * console.log((await y.data()).length); // 1048576
 * ```
 */
export {
  NativeBackend, NativeBackendUnavailableError, createNativeBackend, nativeStatus, type NativeBackendOptions, type NativeStatus,
} from './backend.js';
export type { NativeAddonInfo, NativeIsa, NativeIsaInfo } from './addon.js';
