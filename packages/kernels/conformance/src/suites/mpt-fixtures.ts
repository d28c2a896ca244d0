/**
 * `describeMptFixtures`: the shared MPT fixtures (shared/fixtures/mpt: A multi-head, B with
 * clip_qkv/qk_ln/logit_scale, C grouped-query) on a backend. The model owns the classes
 * (`MPTForCausalLM`, `SafetensorsBuffer`, `decodeFloats`, `Attention`, `AttentionBackward` in
 * @tessera/model); this package does not depend on it, so the caller passes them in, with a file
 * reader (this package does not read files itself, so it also loads in a browser).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { findKernel, type Backend, type KernelDef, type KernelRegistration, type Tensor } from '@tessera/tensor';
import { onBackend } from '../host.js';
import type { AttentionAttrs } from './attention.js';

/** What the suite uses of a loaded `MPTForCausalLM`. */
export interface MptFixtureModel {
  readonly config: { readonly nLayers: number };
  forward(inputIds: number[][]): { logits: Tensor };
  valueAndGrad(inputIds: number[][]): { loss: Tensor; grads: Record<string, Tensor> };
  generate(promptIds: number[][], options: { maxNewTokens: number; temperature: number }): Promise<number[][]>;
  dispose(): void;
}

/** The model package's classes and definitions {@link describeMptFixtures} runs, passed in by the caller. @example `{ MPTForCausalLM, SafetensorsBuffer, decodeFloats, Attention, AttentionBackward }` from @tessera/model */
export interface MptFixtureDefinitions {
  readonly MPTForCausalLM: { fromPretrained(dir: string): Promise<MptFixtureModel> };
  readonly SafetensorsBuffer: new (bytes: Uint8Array, file: string) => {
    readonly header: { readonly entries: ReadonlyMap<string, { readonly shape: readonly number[] }> };
    readSync(name: string): Uint8Array;
  };
  readonly decodeFloats: (dtype: 'F32', bytes: Uint8Array) => ArrayLike<number>;
  readonly Attention: KernelDef<AttentionAttrs>;
  readonly AttentionBackward: KernelDef<AttentionAttrs>;
}

/** Options of {@link describeMptFixtures}. @example `{ directory: '/repo/../shared/fixtures/mpt', readFile: (p) => readFileSync(p) }` */
export interface MptFixturesOptions {
  /** The folder holding the fixture folders `A`, `B`, `C` (each with fixture.json, grads.safetensors and the checkpoint). */
  directory: string;
  /** Reads a file under `directory` (`node:fs`'s readFileSync in Node). */
  readFile: (path: string) => Uint8Array;
  /** The fixtures to run (default A, B and C). */
  fixtures?: readonly string[];
  /** When set, the whole block is skipped and this reason is printed in its title. */
  skip?: string;
}

interface Fixture {
  input_ids: number[][];
  logits: { shape: number[]; data: number[] };
  loss: number;
  generation: { prompt_ids: number[][]; max_new_tokens: number; generated_ids: number[][] };
  tolerances: { logits_abs: number; loss_abs: number; grads_rel_to_tensor_max_abs: number };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: ${a.length} values against ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/**
 * Define a vitest `describe` block (`MPT fixtures on the <name> backend`) running each fixture on
 * the backend `factory` makes: logits, loss and every parameter gradient, and greedy decoding with
 * the KV cache, within each fixture's own tolerances. It spies on the backend's own `Attention` and
 * `AttentionBackward` registrations to show the fused kernels ran: once per layer forward, once
 * per layer backward (after one more forward), and at least once per layer per decoded token.
 *
 * @example
 * ```ts
 * // packages/kernels/wasm/test/mpt-fixtures.test.ts
 * import { Attention, AttentionBackward, MPTForCausalLM, SafetensorsBuffer, decodeFloats } from '@tessera/model';
 * describeMptFixtures('wasm', () => createWasmBackend({ threads: 2 }),
 *   { MPTForCausalLM, SafetensorsBuffer, decodeFloats, Attention, AttentionBackward },
 *   { directory: FIXTURES, readFile: (path) => readFileSync(path) });
 * ```
 */
export function describeMptFixtures(
  name: string,
  factory: () => Backend | Promise<Backend>,
  definitions: MptFixtureDefinitions,
  options: MptFixturesOptions,
): void {
  const block = options.skip === undefined ? describe : describe.skip;
  block(`MPT fixtures on the ${name} backend${options.skip === undefined ? '' : ` (skipped: ${options.skip})`}`, () => {
    let backend: Backend;
    let forward: ReturnType<typeof vi.spyOn>;
    let backward: ReturnType<typeof vi.spyOn>;
    beforeAll(async () => {
      backend = await factory();
      await onBackend(backend, () => {}); // registers the backend's kernels
    });
    afterEach(() => vi.restoreAllMocks());

    /** Spy on the backend's registrations of the fused attention (the engine calls `registration.run`). */
    const spyOnAttention = (): void => {
      const fwd = findKernel(definitions.Attention, backend) as KernelRegistration<Backend> | undefined;
      const bwd = findKernel(definitions.AttentionBackward, backend) as KernelRegistration<Backend> | undefined;
      expect(fwd, `a ${name} Attention registration`).toBeDefined();
      expect(bwd, `a ${name} AttentionBackward registration`).toBeDefined();
      forward = vi.spyOn(fwd!, 'run');
      backward = vi.spyOn(bwd!, 'run');
    };

    describe.each([...(options.fixtures ?? ['A', 'B', 'C'])])('fixture %s', (fixtureName) => {
      const dir = `${options.directory}/${fixtureName}`;
      const fixture = (): Fixture => JSON.parse(new TextDecoder().decode(options.readFile(`${dir}/fixture.json`))) as Fixture;

      it('logits, loss and every parameter gradient', async () => {
        const f = fixture();
        spyOnAttention();
        await onBackend(backend, async () => {
          const model = await definitions.MPTForCausalLM.fromPretrained(dir);
          const { logits } = model.forward(f.input_ids);
          const layers = model.config.nLayers;
          expect(forward).toHaveBeenCalledTimes(layers);
          expect(logits.shape).toEqual(f.logits.shape);
          expect(maxAbsDiff(await logits.data(), f.logits.data)).toBeLessThanOrEqual(f.tolerances.logits_abs);
          const { loss, grads } = model.valueAndGrad(f.input_ids);
          expect(forward).toHaveBeenCalledTimes(2 * layers);
          expect(backward).toHaveBeenCalledTimes(layers);
          expect(Math.abs((await loss.item()) - f.loss)).toBeLessThanOrEqual(f.tolerances.loss_abs);
          const expected = new definitions.SafetensorsBuffer(options.readFile(`${dir}/grads.safetensors`), 'grads.safetensors');
          expect(expected.header.entries.size).toBeGreaterThan(0);
          for (const [param, entry] of expected.header.entries) {
            const want = definitions.decodeFloats('F32', expected.readSync(param));
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
          const model = await definitions.MPTForCausalLM.fromPretrained(dir);
          const { prompt_ids: prompts, max_new_tokens: maxNewTokens, generated_ids: ids } = f.generation;
          expect(await model.generate(prompts, { maxNewTokens, temperature: 0 })).toEqual(ids);
          expect(forward.mock.calls.length).toBeGreaterThanOrEqual(maxNewTokens * model.config.nLayers);
          model.dispose();
        });
      });
    });
  });
}
