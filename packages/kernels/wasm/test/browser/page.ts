/**
 * The page script of browser.test.ts (bundled by esbuild): the WASM backend with two threads, a
 * matmul and a softmax of seeded inputs, the result on `window`. With `?explicit` the page names
 * both module variants itself (the `wasm: { shared, single }` option) instead of the default URL.
 */
import { matmul, randn, softmax, useBackend } from '@tessera/tensor';
import { createWasmBackend } from '../../src/index.js';

interface PageResult {
  threads: number;
  sharedMemory: boolean;
  crossOriginIsolated: boolean;
  values: number[];
  error?: string;
}

const target = globalThis as unknown as { tesseraResult?: PageResult };

try {
  const explicit = new URLSearchParams(location.search).has('explicit');
  const backend = await createWasmBackend({
    threads: 2,
    ...(explicit ? { wasm: { shared: '/wasm/tessera-kernels.wasm', single: '/wasm/tessera-kernels-single.wasm' } } : {}),
  });
  useBackend(backend);
  const a = randn([200, 300], { seed: 11 });
  const b = randn([300, 150], { seed: 12 });
  const probs = softmax(matmul(a, b), -1);
  target.tesseraResult = {
    threads: backend.threads, sharedMemory: backend.sharedMemory, crossOriginIsolated: globalThis.crossOriginIsolated,
    values: Array.from(await probs.data()),
  };
} catch (error) {
  target.tesseraResult = { threads: 0, sharedMemory: false, crossOriginIsolated: false, values: [], error: String(error) };
}
