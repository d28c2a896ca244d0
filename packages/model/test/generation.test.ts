/**
 * Generation: cached decoding equals full-sequence logits, batched left-padded prompts equal
 * single prompts, ALiBi past max_seq_len, learned positions, sampling options, stop conditions,
 * streaming and cancellation.
 */
import { describe, expect, it } from 'vitest';
import { scope, tensor } from '@tessera/tensor';
import { createConfig, MPTForCausalLM } from '../src/index.js';
import { fixtureDir, maxAbsDiff, readFixture } from './fixtures.js';

const fixtureA = readFixture('A');
const loadA = () => MPTForCausalLM.fromPretrained(fixtureDir('A'));
const sequence = (n: number, seed = 3): number[] => Array.from({ length: n }, (_, i) => (i * 17 + seed * 5 + 1) % 64);

async function incrementalVsFull(model: MPTForCausalLM, ids: number[], prefill: number): Promise<number> {
  const V = model.config.vocabSize;
  const full = (await model.forward([ids]).logits.data()) as Float32Array;
  const cache = model.createCache();
  let worst = 0;
  const first = await model.forward([ids.slice(0, prefill)], { cache }).logits.data();
  worst = Math.max(worst, maxAbsDiff(first, full.subarray(0, prefill * V)));
  for (let t = prefill; t < ids.length; t++) {
    const step = await model.forward([[ids[t]!]], { cache }).logits.data();
    worst = Math.max(worst, maxAbsDiff(step, full.subarray(t * V, (t + 1) * V)));
  }
  expect(cache.length).toBe(ids.length);
  cache.dispose();
  return worst;
}

describe('KV cache', () => {
  it('incremental decoding equals full-sequence logits (MHA, qk_ln + clip, GQA)', async () => {
    for (const name of ['A', 'B', 'C']) {
      const model = await MPTForCausalLM.fromPretrained(fixtureDir(name));
      expect(await incrementalVsFull(model, sequence(14), 5)).toBeLessThan(2e-6);
      model.dispose();
    }
  });

  it('stores key/value heads only, before the GQA expansion', async () => {
    const model = await MPTForCausalLM.fromPretrained(fixtureDir('C')); // 4 query heads, 2 kv heads, hd 8
    const cache = model.createCache();
    model.forward([sequence(5)], { cache });
    expect(cache.bytes).toBe(2 * 2 * 2 * 5 * 8 * 4); // layers x (k, v) x G x T x hd x float32
    cache.dispose();
    model.dispose();
  });

  it('ALiBi models run past max_seq_len (16 here), cached or not', async () => {
    const model = await loadA();
    expect(await incrementalVsFull(model, sequence(40), 20)).toBeLessThan(5e-6);
    const [long] = await model.generate([sequence(6)], { maxNewTokens: 30 });
    expect(long).toHaveLength(30);
    model.dispose();
  });

  it('learned positional embeddings: cache, left padding, and the max_seq_len limit', async () => {
    const config = createConfig({ dModel: 32, nHeads: 4, nLayers: 2, vocabSize: 64, maxSeqLen: 16, learnedPosEmb: true, noBias: false,
      attnConfig: { alibi: false }, initConfig: { embInitStd: 0.5 } });
    const model = MPTForCausalLM.init(config, { seed: 5 });
    expect(model.parameterNames()).toContain('transformer.wpe.weight');
    expect(model.parameterNames()).toContain('transformer.blocks.0.attn.Wqkv.bias');
    expect(await incrementalVsFull(model, sequence(12), 4)).toBeLessThan(2e-6);
    const alone = await model.generate([sequence(3)], { maxNewTokens: 4 });
    const batched = await model.generate([sequence(3), sequence(9, 1)], { maxNewTokens: 4 });
    expect(batched[0]).toEqual(alone[0]);
    expect(() => model.forward([sequence(17)])).toThrow(/max_seq_len/);
    model.dispose();
  });
});

describe('batched prompts with left padding', () => {
  it('give the same tokens and logits as one prompt at a time', async () => {
    for (const name of ['A', 'C']) {
      const model = await MPTForCausalLM.fromPretrained(fixtureDir(name));
      const prompts = [sequence(3, 1), sequence(8, 2), sequence(5, 3)];
      const batched: Float32Array[][] = prompts.map(() => []);
      const tokens: number[][] = prompts.map(() => []);
      for await (const step of model.stream(prompts, { maxNewTokens: 6, includeLogits: true })) {
        step.logits!.forEach((l, b) => batched[b]!.push(l));
        step.tokens.forEach((t, b) => tokens[b]!.push(t!));
      }
      for (const [b, prompt] of prompts.entries()) {
        let i = 0;
        for await (const step of model.stream([prompt], { maxNewTokens: 6, includeLogits: true })) {
          expect(step.tokens[0]).toBe(tokens[b]![i]);
          expect(maxAbsDiff(step.logits![0]!, batched[b]![i]!)).toBeLessThan(2e-6);
          i++;
        }
      }
      model.dispose();
    }
  });

  it('forward with an attention mask matches the unpadded rows', async () => {
    const model = await loadA();
    const V = 64;
    const { logits } = model.forward([[0, 0, ...sequence(4)], sequence(6, 2)], { attentionMask: [[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]] });
    const padded = (await logits.data()) as Float32Array;
    const alone = await model.forward([sequence(4)]).logits.data();
    expect(maxAbsDiff(padded.subarray(2 * V, 6 * V), alone)).toBeLessThan(2e-6);
    expect(Array.from(padded.subarray(0, 2 * V)).every(Number.isFinite)).toBe(true); // padding rows: ignored but finite
    model.dispose();
  });
});

describe('sampling and stopping', () => {
  it('temperature 0 and topK 1 are greedy; a seed makes sampling reproducible', async () => {
    const model = await loadA();
    const prompts = fixtureA.generation.prompt_ids;
    const greedy = fixtureA.generation.generated_ids;
    expect(await model.generate(prompts, { maxNewTokens: 5 })).toEqual(greedy);
    expect(await model.generate(prompts, { maxNewTokens: 5, temperature: 0, topK: 10 })).toEqual(greedy);
    expect(await model.generate(prompts, { maxNewTokens: 5, temperature: 1.5, topK: 1, seed: 3 })).toEqual(greedy);
    const options = { maxNewTokens: 12, temperature: 2, seed: 42 };
    const a = await model.generate(prompts, options);
    expect(await model.generate(prompts, options)).toEqual(a);
    expect(await model.generate(prompts, { ...options, seed: 43 })).not.toEqual(a);
    model.dispose();
  });

  it('top-k and top-p restrict the candidates', async () => {
    const model = await loadA();
    for await (const step of model.stream([sequence(4)], { maxNewTokens: 10, temperature: 3, topK: 3, seed: 9, includeLogits: true })) {
      const row = Array.from(step.logits![0]!);
      const third = [...row].sort((x, y) => y - x)[2]!;
      expect(row[step.tokens[0]!]!).toBeGreaterThanOrEqual(third);
    }
    // A tiny top-p keeps only the most likely token: greedy.
    expect(await model.generate([sequence(4)], { maxNewTokens: 6, temperature: 1, topP: 1e-6, seed: 1 }))
      .toEqual(await model.generate([sequence(4)], { maxNewTokens: 6 }));
    model.dispose();
  });

  it('a repetition penalty changes greedy output away from repeats', async () => {
    const model = await loadA();
    const plain = (await model.generate([sequence(4)], { maxNewTokens: 12 }))[0]!;
    const penalised = (await model.generate([sequence(4)], { maxNewTokens: 12, repetitionPenalty: 100 }))[0]!;
    const prompt = new Set(sequence(4));
    expect(new Set(penalised).size).toBe(penalised.length); // every token new
    expect(penalised.some((t) => prompt.has(t))).toBe(false);
    expect(plain).not.toEqual(penalised);
    model.dispose();
  });

  it('stops at stop ids, stop sequences and the config EOS, honouring minNewTokens', async () => {
    const model = await loadA();
    const prompt = fixtureA.generation.prompt_ids[0]!;
    const [full] = await model.generate([prompt], { maxNewTokens: 10 });
    const stopAt = (id: number): number[] => full!.slice(0, full!.indexOf(id) + 1);
    const firstEnd = (seq: number[]): number[] => {
      for (let n = seq.length; n <= full!.length; n++) if (full!.slice(n - seq.length, n).join() === seq.join()) return full!.slice(0, n);
      return full!;
    };
    expect(await model.generate([prompt], { maxNewTokens: 10, stopTokenIds: [full![2]!] })).toEqual([stopAt(full![2]!)]);
    const sequenceStop = [full![4]!, full![5]!];
    expect(await model.generate([prompt], { maxNewTokens: 10, stopSequences: [sequenceStop] })).toEqual([firstEnd(sequenceStop)]);
    const withEos = new MPTForCausalLM({ ...model.config, eosTokenId: full![3]! }, new Map(Object.entries(model.parameters())));
    expect(await withEos.generate([prompt], { maxNewTokens: 10 })).toEqual([stopAt(full![3]!)]);
    const min = (await model.generate([prompt], { maxNewTokens: 10, stopTokenIds: [full![0]!], minNewTokens: 4 }))[0]!;
    expect(min.length).toBeGreaterThanOrEqual(4);
    expect(min.slice(0, 4)).not.toContain(full![0]!);
    expect(await model.generate([prompt, prompt], { maxNewTokens: 0 })).toEqual([[], []]);
    model.dispose();
  });

  it('rows of a batch stop independently', async () => {
    const model = await loadA();
    const [p0, p1] = fixtureA.generation.prompt_ids as [number[], number[]];
    const [g0] = await model.generate([p0], { maxNewTokens: 6 });
    const out = await model.generate([p0, p1], { maxNewTokens: 6, stopTokenIds: [g0![1]!] });
    expect(out[0]).toEqual(g0!.slice(0, g0!.indexOf(g0![1]!) + 1));
    expect(out[1]!.length).toBeGreaterThan(0);
    model.dispose();
  });
});

describe('streaming and cancellation', () => {
  it('streams one step at a time and can be aborted', async () => {
    const model = await loadA();
    const controller = new AbortController();
    const seen: number[] = [];
    const run = async (): Promise<void> => {
      for await (const step of model.stream([sequence(4)], { maxNewTokens: 50, signal: controller.signal })) {
        seen.push(step.tokens[0]!);
        if (step.step === 2) controller.abort();
      }
    };
    await expect(run()).rejects.toThrow(/abort/i);
    expect(seen).toHaveLength(3);
    const aborted = AbortSignal.abort();
    await expect(model.generate([sequence(4)], { signal: aborted })).rejects.toThrow(/abort/i);
    model.dispose();
  });

  it('releases every tensor it created', async () => {
    const model = await loadA();
    const { memory } = await import('@tessera/tensor');
    const before = memory().liveTensors;
    await model.generate([sequence(3), sequence(5)], { maxNewTokens: 4 });
    scope(() => model.forward(tensor([sequence(5)], [1, 5], 'int32')).logits.dispose());
    expect(memory().liveTensors).toBe(before);
    model.dispose();
  });
});
