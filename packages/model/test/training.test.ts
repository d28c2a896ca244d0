/**
 * The training path: gradients through valueAndGrad for every parameter, the reference
 * (decomposed) attention giving the same logits and gradients as the fused CPU kernel, seeded
 * dropout, embedding_fraction, labels/masks in the loss, untied heads and biases, and a few
 * optimisation steps that lower the loss.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CpuBackend, Generator, getBackend, mul, sub, useBackend, valueAndGrad, type Backend, type KernelRegistration, type Tensor } from '@tessera/tensor';
import { createConfig, MPTForCausalLM } from '../src/index.js';
import { fixtureDir, maxAbs, maxAbsDiff, readFixture, readTensors } from './fixtures.js';

class WithoutFusedAttention extends CpuBackend {
  override readonly name: string = 'cpu-without-fused-attention';
  override readonly kernels: readonly KernelRegistration<Backend>[] = new CpuBackend().kernels;
}

const original = getBackend();
afterEach(() => useBackend(original));

async function gradients(model: MPTForCausalLM, ids: number[][], options = {}): Promise<Map<string, Float32Array>> {
  const { grads } = model.valueAndGrad(ids, options);
  const out = new Map<string, Float32Array>();
  for (const [name, g] of Object.entries(grads)) out.set(name, (await g.data()) as Float32Array);
  return out;
}

describe('training path', () => {
  it('the decomposed attention (reference) matches the fixtures too', async () => {
    useBackend(new WithoutFusedAttention());
    const fixture = readFixture('B');
    const model = await MPTForCausalLM.fromPretrained(fixtureDir('B'));
    expect(maxAbsDiff(await model.forward(fixture.input_ids).logits.data(), fixture.logits.data)).toBeLessThanOrEqual(1e-5);
    const expected = readTensors('B', 'grads.safetensors');
    for (const [name, got] of await gradients(model, fixture.input_ids)) {
      const want = expected.get(name)!.data;
      expect(maxAbsDiff(got, want) / maxAbs(want), name).toBeLessThanOrEqual(1e-5);
    }
    model.dispose();
  });

  it('lossFunction works with valueAndGrad directly', async () => {
    const fixture = readFixture('C');
    const model = await MPTForCausalLM.fromPretrained(fixtureDir('C'));
    const { names, params, fn } = model.lossFunction(fixture.input_ids);
    const { value, grads } = valueAndGrad(fn)(...params);
    expect(Math.abs((await value.item()) - fixture.loss)).toBeLessThan(1e-5);
    const wte = names.indexOf('transformer.wte.weight');
    const want = readTensors('C', 'grads.safetensors').get('transformer.wte.weight')!.data;
    expect(maxAbsDiff(await grads[wte]!.data(), want) / maxAbs(want)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('seeded dropout (embedding, residual, attention) is reproducible and only active in training', async () => {
    const fixture = readFixture('A');
    const base = await MPTForCausalLM.fromPretrained(fixtureDir('A'));
    const config = createConfig({ ...base.config, embPdrop: 0.1, residPdrop: 0.1, attnConfig: { ...base.config.attnConfig, attnPdrop: 0.2 } });
    const model = new MPTForCausalLM(config, new Map(Object.entries(base.parameters())));
    const evalLoss = await model.loss(fixture.input_ids).item();
    expect(Math.abs(evalLoss - fixture.loss)).toBeLessThan(1e-5);
    const train = (seed: number) => model.loss(fixture.input_ids, { training: { generator: new Generator(seed) } }).item();
    const a = await train(1);
    expect(await train(1)).toBe(a);
    expect(await train(2)).not.toBe(a);
    expect(a).not.toBeCloseTo(evalLoss, 4);
    const grads = await gradients(model, fixture.input_ids, { training: { generator: new Generator(1) } });
    for (const g of grads.values()) expect(g.every(Number.isFinite)).toBe(true);
    model.dispose();
  });

  it('embedding_fraction keeps the forward value and shrinks only the embedding-lookup gradient', async () => {
    const fixture = readFixture('A');
    const base = await MPTForCausalLM.fromPretrained(fixtureDir('A'));
    const withFraction = (f: number) => new MPTForCausalLM(createConfig({ ...base.config, embeddingFraction: f }), new Map(Object.entries(base.parameters())));
    const half = withFraction(0.5);
    expect(maxAbsDiff(await half.forward(fixture.input_ids).logits.data(), fixture.logits.data)).toBeLessThan(1e-5);
    const [g1, g05, g025] = await Promise.all([1, 0.5, 0.25].map((f) => gradients(withFraction(f), fixture.input_ids)));
    // d wte = head + f * lookup  =>  g(1) - g(0.5) = 2 (g(0.5) - g(0.25)).
    const a = g1!.get('transformer.wte.weight')!.map((v, i) => v - g05!.get('transformer.wte.weight')![i]!);
    const b = g05!.get('transformer.wte.weight')!.map((v, i) => 2 * (v - g025!.get('transformer.wte.weight')![i]!));
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    expect(maxAbs(a)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(g1!.get('transformer.norm_f.weight')!, g05!.get('transformer.norm_f.weight')!)).toBe(0);
    base.dispose();
  });

  it('labels with -100 and padding masks are left out of the loss', async () => {
    const model = await MPTForCausalLM.fromPretrained(fixtureDir('A'));
    const ids = [[5, 6, 7, 8, 9]];
    const full = await model.loss(ids).item();
    const partial = await model.loss(ids, { labels: [[5, 6, -100, -100, 9]] }).item();
    const logits = (await model.forward(ids).logits.data()) as Float32Array;
    const nll = (t: number, target: number): number => {
      const row = Array.from(logits.subarray(t * 64, (t + 1) * 64));
      const m = Math.max(...row);
      return m + Math.log(row.reduce((s, z) => s + Math.exp(z - m), 0)) - row[target]!;
    };
    expect(partial).toBeCloseTo((nll(0, 6) + nll(3, 9)) / 2, 5);
    expect(full).toBeCloseTo([6, 7, 8, 9].reduce((s, id, t) => s + nll(t, id), 0) / 4, 5);
    model.dispose();
  });

  it('untied heads, biases and learned positions train: SGD steps lower the loss', async () => {
    const config = createConfig({ dModel: 32, nHeads: 4, nLayers: 2, vocabSize: 48, maxSeqLen: 16, noBias: false, tieWordEmbeddings: false,
      learnedPosEmb: true, normType: 'layernorm', attnConfig: { alibi: false, qkLn: true, attnType: 'multiquery_attention' } });
    const model = MPTForCausalLM.init(config, { seed: 3 });
    expect(model.parameterNames()).toEqual(expect.arrayContaining(['lm_head.weight', 'transformer.wpe.weight', 'transformer.blocks.1.attn.q_ln.bias']));
    const ids = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]];
    const losses: number[] = [];
    for (let step = 0; step < 8; step++) {
      const { loss, grads } = model.valueAndGrad(ids);
      losses.push(await loss.item());
      const updates: Record<string, Tensor> = {};
      for (const [name, p] of Object.entries(model.parameters())) updates[name] = sub(p, mul(grads[name]!, 0.1));
      model.setParameters(updates);
    }
    expect(losses[7]!).toBeLessThan(losses[0]! - 0.5);
    model.dispose();
  });
});
