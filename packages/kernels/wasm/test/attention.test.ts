/**
 * The WASM fused attention (forward and backward) against the model's decomposition run in
 * float64 on the reference backend, with 1 and 2 threads: the shared suite `describeAttention`
 * of @tessera/kernels-conformance (MHA / GQA / MQA, causal or not, ALiBi, key masks with rows that
 * see no key, Tq < Tk and Tq > Tk, odd head sizes, several key tiles; float64 runs on the wasm
 * backend too; 1 and 2 threads give identical bits; the kernel is what runs). Here: the
 * attributes match the model's and the kernels are listed.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { describeAttention, type AttentionAttrs as SharedAttentionAttrs } from '@tessera/kernels-conformance';
import { alibiSlopes, Attention as ModelAttention, AttentionBackward as ModelAttentionBackward, type AttentionAttrs as ModelAttentionAttrs } from '@tessera/model';
import { createWasmBackend, wasmKernelNames, type WasmBackend } from '../src/index.js';
import { Attention, AttentionBackward, type AttentionAttrs } from '../src/kernels/attention.js';

describe('attention attributes', () => {
  it('restates the model definition\'s attributes exactly, under the same names', () => {
    expectTypeOf<AttentionAttrs>().toEqualTypeOf<ModelAttentionAttrs>();
    expectTypeOf<SharedAttentionAttrs>().toEqualTypeOf<ModelAttentionAttrs>();
    expect(Attention.name).toBe(ModelAttention.name);
    expect(AttentionBackward.name).toBe(ModelAttentionBackward.name);
    expect(wasmKernelNames).toEqual(expect.arrayContaining(['Attention', 'AttentionBackward']));
  });
});

// One backend per thread count for the whole file (starting worker threads is not free).
const backends = new Map<number, Promise<WasmBackend>>();
const backend = (threads: 1 | 2): Promise<WasmBackend> => {
  let made = backends.get(threads);
  if (made === undefined) backends.set(threads, made = createWasmBackend({ threads }));
  return made;
};

describeAttention('wasm', ({ threads }) => backend(threads),
  { Attention: ModelAttention, AttentionBackward: ModelAttentionBackward, alibiSlopes });
