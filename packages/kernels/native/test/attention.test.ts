/**
 * The native fused attention (forward and backward) against the model's decomposition, run in
 * float64 on the reference backend, on every ISA path this machine runs: the shared suite
 * `describeAttention` of @tessera/kernels-conformance (MHA / GQA / MQA, causal or not, ALiBi, key
 * masks with rows that see no key, Tq < Tk and Tq > Tk, odd head sizes, several key tiles; 1 and 2
 * threads give identical bits; the kernel is what runs). Here: the attributes match the model's.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { describeAttention, type AttentionAttrs as SharedAttentionAttrs } from '@tessera/kernels-conformance';
import { alibiSlopes, Attention as ModelAttention, AttentionBackward as ModelAttentionBackward, type AttentionAttrs as ModelAttentionAttrs } from '@tessera/model';
import { createNativeBackend, nativeStatus } from '../src/index.js';
import { Attention, AttentionBackward, type AttentionAttrs } from '../src/kernels/attention.js';

const status = nativeStatus();
const isas = status.available ? status.isas.filter((i) => i.available).map((i) => i.name) : [];

describe('attention attributes', () => {
  it('restates the model definition\'s attributes exactly, under the same names', () => {
    expectTypeOf<AttentionAttrs>().toEqualTypeOf<ModelAttentionAttrs>();
    expectTypeOf<SharedAttentionAttrs>().toEqualTypeOf<ModelAttentionAttrs>();
    expect(Attention.name).toBe(ModelAttention.name);
    expect(AttentionBackward.name).toBe(ModelAttentionBackward.name);
  });
});

describeAttention('native', ({ threads, path }) => {
  const isa = path === undefined ? undefined : isas.find((name) => name === path);
  if (path !== undefined && isa === undefined) throw new Error(`attention test: ISA path '${path}' is not available here`);
  return createNativeBackend({ ...(isa === undefined ? {} : { isa }), threads, fallback: 'throw' });
}, { Attention: ModelAttention, AttentionBackward: ModelAttentionBackward, alibiSlopes },
status.available ? { paths: isas } : { skip: status.reason });
