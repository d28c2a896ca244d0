/**
 * The WASM SIMD backward kernels (GeluBackward, LayerNormBackward, CrossEntropyBackward) on
 * shapes split between the worker threads: the shared suite `describeBackwardKernels` of
 * @tessera/kernels-conformance (float32 against the reference backend computed in float64, float64
 * closely, 1 and 2 threads bit-identical, invalid targets rejected). The small shapes and edge
 * cases are in the conformance suite. Here: they are WASM implementations, not the reference loops.
 */
import { describe, expect, it } from 'vitest';
import { describeBackwardKernels } from '@tessera/kernels-conformance';
import { createWasmBackend, wasmKernelNames, type WasmBackend } from '../src/index.js';

describe('wasm fused backward kernels', () => {
  it('are WASM implementations, not the reference loops', () => {
    expect(wasmKernelNames).toEqual(expect.arrayContaining(['GeluBackward', 'LayerNormBackward', 'CrossEntropyBackward']));
  });
});

// One backend per thread count for the whole file (starting worker threads is not free).
const backends = new Map<number, Promise<WasmBackend>>();
const backend = (threads: 1 | 2): Promise<WasmBackend> => {
  let made = backends.get(threads);
  if (made === undefined) backends.set(threads, made = createWasmBackend({ threads }));
  return made;
};

describeBackwardKernels('wasm', ({ threads }) => backend(threads), { crossEntropyRows: 600 });
