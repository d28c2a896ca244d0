/**
 * The shared MPT fixtures (../shared/fixtures/mpt: A multi-head, B with clip_qkv/qk_ln/logit_scale,
 * C grouped-query) on the WASM backend with two threads: logits, loss, every parameter gradient and
 * greedy decoding with the KV cache, within each fixture's own tolerances. Attention runs the WASM
 * fused kernels (forward and backward): the test counts the calls that reach their registrations.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { onBackend } from '@tessera/kernels-conformance';
import { Attention, AttentionBackward, SafetensorsBuffer, decodeFloats, MPTForCausalLM } from '@tessera/model';
import { findKernel, type Backend, type KernelRegistration } from '@tessera/tensor';
import { createWasmBackend } from '../src/index.js';

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

const skip = !existsSync(FIXTURES) ? `no fixtures at ${FIXTURES}` : undefined;
if (skip) console.log(`MPT fixture test skipped: ${skip}`);

describe.skipIf(skip !== undefined)(`MPT fixtures on the wasm backend${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let backend: Backend;
  let forward: ReturnType<typeof vi.spyOn>;
  let backward: ReturnType<typeof vi.spyOn>;
  beforeAll(async () => {
    backend = await createWasmBackend({ threads: 2 });
    await onBackend(backend, () => {}); // registers the backend's kernels
  });
  afterEach(() => vi.restoreAllMocks());

  /** Spy on the wasm registrations of the fused attention (the engine calls `registration.run`). */
  function spyOnAttention(): void {
    const fwd = findKernel(Attention, backend) as KernelRegistration<Backend> | undefined;
    const bwd = findKernel(AttentionBackward, backend) as KernelRegistration<Backend> | undefined;
    expect(fwd, 'a wasm Attention registration').toBeDefined();
    expect(bwd, 'a wasm AttentionBackward registration').toBeDefined();
    forward = vi.spyOn(fwd!, 'run');
    backward = vi.spyOn(bwd!, 'run');
  }

  describe.each(['A', 'B', 'C'])('fixture %s', (name) => {
    const dir = join(FIXTURES, name);
    const fixture = (): Fixture => JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as Fixture;

    it('logits, loss and every parameter gradient', async () => {
      const f = fixture();
      spyOnAttention();
      await onBackend(backend, async () => {
        const model = await MPTForCausalLM.fromPretrained(dir);
        const { logits } = model.forward(f.input_ids);
        const layers = model.config.nLayers;
        expect(forward).toHaveBeenCalledTimes(layers);
        expect(logits.shape).toEqual(f.logits.shape);
        expect(maxAbsDiff(await logits.data(), f.logits.data)).toBeLessThanOrEqual(f.tolerances.logits_abs);
        const { loss, grads } = model.valueAndGrad(f.input_ids);
        expect(forward).toHaveBeenCalledTimes(2 * layers);
        expect(backward).toHaveBeenCalledTimes(layers);
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
      spyOnAttention();
      await onBackend(backend, async () => {
        const model = await MPTForCausalLM.fromPretrained(dir);
        const { prompt_ids: prompts, max_new_tokens: maxNewTokens, generated_ids: ids } = f.generation;
        expect(await model.generate(prompts, { maxNewTokens, temperature: 0 })).toEqual(ids);
        expect(forward.mock.calls.length).toBeGreaterThanOrEqual(maxNewTokens * model.config.nLayers);
        model.dispose();
      });
    });
  });
});
