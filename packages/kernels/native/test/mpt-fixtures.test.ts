/**
 * The shared MPT fixtures (../shared/fixtures/mpt: A multi-head, B with clip_qkv/qk_ln/logit_scale,
 * C grouped-query) on the native backend: logits, loss, every parameter gradient and greedy
 * decoding with the KV cache, within each fixture's own tolerances. Attention runs the native fused
 * kernels (counted through a wrapper registered for the backend name, to show they ran).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { onBackend } from '@tessera/kernels-conformance';
import { SafetensorsBuffer, decodeFloats, MPTForCausalLM } from '@tessera/model';
import { registerKernel, type Backend } from '@tessera/tensor';
import { createNativeBackend, nativeStatus, type NativeBackend } from '../src/index.js';
import { attentionKernels } from '../src/kernels/attention.js';

const fusedCalls = new Map<string, number>();
for (const registration of attentionKernels) {
  registerKernel<NativeBackend>('native', {
    def: registration.def,
    run: (context) => {
      fusedCalls.set(registration.def.name, (fusedCalls.get(registration.def.name) ?? 0) + 1);
      registration.run(context);
    },
  });
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..', 'shared', 'fixtures', 'mpt');

interface Fixture {
  input_ids: number[][];
  logits: { shape: number[]; data: number[] };
  loss: number;
  generation: { prompt_ids: number[][]; max_new_tokens: number; generated_ids: number[][] };
  tolerances: { logits_abs: number; loss_abs: number; grads_rel_to_tensor_max_abs: number };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

const status = nativeStatus();
const skip = !status.available ? status.reason : !existsSync(FIXTURES) ? `no fixtures at ${FIXTURES}` : undefined;

describe.skipIf(skip !== undefined)(`MPT fixtures on the native backend${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createNativeBackend({ threads: 2, fallback: 'throw' });
  });

  describe.each(['A', 'B', 'C'])('fixture %s', (name) => {
    const dir = join(FIXTURES, name);
    const fixture = (): Fixture => JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as Fixture;

    it('logits, loss and every parameter gradient', async () => {
      const f = fixture();
      await onBackend(backend, async () => {
        const model = await MPTForCausalLM.fromPretrained(dir);
        const forwardCalls = fusedCalls.get('Attention') ?? 0;
        const { logits } = model.forward(f.input_ids);
        expect(fusedCalls.get('Attention')).toBeGreaterThan(forwardCalls);
        expect(logits.shape).toEqual(f.logits.shape);
        expect(maxAbsDiff(await logits.data(), f.logits.data)).toBeLessThanOrEqual(f.tolerances.logits_abs);
        const before = fusedCalls.get('AttentionBackward') ?? 0;
        const { loss, grads } = model.valueAndGrad(f.input_ids);
        expect(fusedCalls.get('AttentionBackward')).toBeGreaterThan(before);
        expect(Math.abs((await loss.item()) - f.loss)).toBeLessThanOrEqual(f.tolerances.loss_abs);
        const expected = new SafetensorsBuffer(readFileSync(join(dir, 'grads.safetensors')), 'grads.safetensors');
        for (const [param, entry] of expected.header.entries) {
          const want = decodeFloats('F32', expected.readSync(param));
          const got = await grads[param]!.data();
          expect(maxAbsDiff(got, want) / maxAbs(want), param).toBeLessThanOrEqual(f.tolerances.grads_rel_to_tensor_max_abs);
          expect(entry.shape).toEqual(grads[param]!.shape);
        }
        model.dispose();
      });
    });

    it('greedy decoding with the KV cache', async () => {
      const f = fixture();
      await onBackend(backend, async () => {
        const model = await MPTForCausalLM.fromPretrained(dir);
        const { prompt_ids: prompts, max_new_tokens: maxNewTokens, generated_ids: ids } = f.generation;
        expect(await model.generate(prompts, { maxNewTokens, temperature: 0 })).toEqual(ids);
        model.dispose();
      });
    });
  });
});
