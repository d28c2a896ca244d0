/**
 * An MPT loaded in bfloat16 on the native backend: with Matmul reading the bf16 weights as stored
 * (its registration's `half` flag) it gives the same logits, bit for bit, and generates the same
 * tokens as with the engine casting every operand up to float32 around each product.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onBackend } from '@tessera/kernels-conformance';
import { createConfig, MPTForCausalLM } from '@tessera/model';
import { findKernel, kernels as K, registerKernel, type KernelRegistration } from '@tessera/tensor';
import { createNativeBackend, nativeStatus, type NativeBackend } from '../src/index.js';

const status = nativeStatus();
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe.runIf(status.available)('an MPT with bfloat16 weights on the native backend', () => {
  it('half-storage Matmul: same logits and greedy tokens as casting up', async () => {
    const backend = await createNativeBackend({ threads: 2, fallback: 'throw' });
    if (!('isa' in backend)) throw new Error('expected the native backend');
    await onBackend(backend, async () => {
      const config = createConfig({ dModel: 64, nHeads: 4, nLayers: 2, vocabSize: 256, maxSeqLen: 64, initConfig: { embInitStd: 0.5 } });
      const dir = await mkdtemp(join(tmpdir(), 'tessera-native-half-'));
      dirs.push(dir);
      const initial = MPTForCausalLM.init(config, { seed: 11 });
      await initial.savePretrained(dir, { dtype: 'bfloat16' });
      initial.dispose();
      const model = await MPTForCausalLM.fromPretrained(dir, { dtype: 'bfloat16' });
      expect(model.parameters()['transformer.blocks.0.attn.Wqkv.weight']!.dtype).toBe('bfloat16');

      const prompts = [[5, 17, 42, 3, 99, 128, 7, 64, 200, 31], [1, 2, 3]];
      const registration = findKernel(K.Matmul, backend)!;
      expect(registration.half).toBe(true);
      const run = async (matmul: KernelRegistration<NativeBackend>) => {
        const seen = new Set<string>();
        registerKernel<NativeBackend>('native', { ...matmul, run: (context) => {
          seen.add(context.inputs.map((t) => t.dtype).join('x'));
          matmul.run(context);
        } });
        try {
          const logits = await model.forward(prompts.slice(0, 1)).logits.data();
          const tokens = await model.generate(prompts, { maxNewTokens: 12 });
          return { logits: Array.from(logits), tokens, seen };
        } finally {
          registerKernel('native', registration);
        }
      };
      const half = await run(registration);
      const { half: _, ...withoutHalf } = registration;
      const castUp = await run(withoutHalf);
      expect(half.seen.has('bfloat16xbfloat16')).toBe(true);
      expect([...castUp.seen].every((s) => !s.includes('bfloat16'))).toBe(true);
      expect(half.tokens).toEqual(castUp.tokens);
      expect(half.tokens[0]).toHaveLength(12);
      expect(half.logits).toEqual(castUp.logits);
      model.dispose();
    });
  });
});
