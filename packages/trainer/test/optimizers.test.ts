/**
 * Optimizer parity with the PyTorch fixtures (copied from ../shared/fixtures/optim/): every step
 * of DecoupledLionW and AdamW, params and state, absolute tolerance 1e-6, on the reference backend
 * (decomposed step kernels) and the native one (fused); DecoupledAdamW's decay form; state round trips.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNativeBackend } from '@tessera/kernels-native';
import { createCpuBackend, getBackend, memory, tensor, useBackend, type Backend, type Tensor } from '@tessera/tensor';
import { AdamW, DecoupledAdamW, DecoupledLionW, type Optimizer } from '../src/index.js';

interface JsonTensor { shape: number[]; data: number[] }
interface Step { step: number; lr?: number; grads: Record<string, JsonTensor>; params_after: Record<string, JsonTensor>; exp_avg_after: Record<string, JsonTensor>; exp_avg_sq_after?: Record<string, JsonTensor> }
interface Case { name: string; optimizer: string; hyperparameters: Record<string, number | number[]>; params_init: Record<string, JsonTensor>; steps: Step[] }

const load = (file: string): Case[] => (JSON.parse(readFileSync(new URL(`./fixtures/optim/${file}`, import.meta.url), 'utf8')) as { cases: Case[] }).cases;
const toTensors = (record: Record<string, JsonTensor>): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, tensor(v.data, v.shape)]));

async function maxDiff(got: Tensor, want: JsonTensor): Promise<number> {
  const data = await got.data();
  expect(got.shape).toEqual(want.shape);
  return want.data.reduce((m, w, i) => Math.max(m, Math.abs(data[i]! - w)), 0);
}

async function replay(c: Case, optimizer: Optimizer, stateKeys: [string, keyof Step][]): Promise<number> {
  let params = toTensors(c.params_init);
  let worst = 0;
  for (const step of c.steps) {
    const grads = toTensors(step.grads);
    const next = optimizer.step(params, grads, step.lr ?? (c.hyperparameters.lr as number));
    for (const t of [...Object.values(params), ...Object.values(grads)]) t.dispose();
    params = next;
    const state = optimizer.stateDict().tensors;
    for (const [name, want] of Object.entries(step.params_after)) {
      worst = Math.max(worst, await maxDiff(params[name]!, want));
      for (const [kind, key] of stateKeys) worst = Math.max(worst, await maxDiff(state[`${kind}/${name}`]!, (step[key] as Record<string, JsonTensor>)[name]!));
    }
  }
  for (const t of Object.values(params)) t.dispose();
  optimizer.dispose();
  return worst;
}

// The fixtures on the reference backend (the optimizers' step kernels run as their decompositions)
// and on the native backend (fused LionStep / AdamStep kernels).
const backends: [string, () => Promise<Backend>][] = [
  ['reference', async () => createCpuBackend()],
  ['native', () => createNativeBackend({ threads: 2 })],
];
const original = getBackend();

for (const [label, make] of backends) {
  describe(`optimizer fixtures on the ${label} backend`, () => {
    beforeAll(async () => useBackend(await make()));
    afterAll(() => useBackend(original));
    for (const c of load('lion.json')) {
      it(`DecoupledLionW ${c.name} matches every step`, async () => {
        const h = c.hyperparameters;
        const before = memory().liveTensors;
        const lion = new DecoupledLionW({ lr: h.initial_lr as number, betas: h.betas as [number, number], weightDecay: h.weight_decay as number });
        expect(await replay(c, lion, [['exp_avg', 'exp_avg_after']])).toBeLessThanOrEqual(1e-6);
        expect(memory().liveTensors).toBe(before);
      });
    }
    for (const c of load('adamw.json')) {
      it(`AdamW ${c.name} matches every step`, async () => {
        const h = c.hyperparameters;
        const adam = new AdamW({ lr: h.lr as number, betas: h.betas as [number, number], eps: h.eps as number, weightDecay: h.weight_decay as number });
        expect(await replay(c, adam, [['exp_avg', 'exp_avg_after'], ['exp_avg_sq', 'exp_avg_sq_after']])).toBeLessThanOrEqual(1e-6);
      });
    }
  });
}

describe('optimizer fixtures', () => {
  it('the first Lion step leaves an element with zero gradient and zero momentum in place (sign(0) = 0)', async () => {
    const c = load('lion.json')[0]!;
    const params = toTensors(c.params_init);
    const next = new DecoupledLionW({ lr: 1e-4 }).step(params, toTensors(c.steps[0]!.grads), 1e-4);
    expect(c.steps[0]!.grads.b!.data[0]).toBe(0);
    expect((await next.b!.data())[0]).toBe((await params.b!.data())[0]);
  });

  it('DecoupledAdamW scales the decay by lr / initial lr; AdamW by lr', async () => {
    const p = { w: tensor([1, -2]) };
    const zero = { w: tensor([0, 0]) };
    // With g = 0 the Adam update is 0, so only the decay moves the parameter.
    const decoupled = await new DecoupledAdamW({ lr: 0.1, weightDecay: 0.5 }).step(p, zero, 0.05).w!.data();
    const pytorch = await new AdamW({ lr: 0.1, weightDecay: 0.5 }).step(p, zero, 0.05).w!.data();
    expect(decoupled[0]).toBeCloseTo(1 - 0.5 * 0.5, 6);
    expect(pytorch[0]).toBeCloseTo(1 - 0.05 * 0.5, 6);
  });

  it('state dicts round trip: a restored optimizer continues identically', async () => {
    const c = load('adamw.json')[1]!;
    const h = c.hyperparameters;
    const make = () => new DecoupledAdamW({ lr: h.lr as number, betas: h.betas as [number, number], eps: h.eps as number, weightDecay: h.weight_decay as number });
    const a = make();
    let pa = a.step(toTensors(c.params_init), toTensors(c.steps[0]!.grads), 0.01);
    const saved = a.stateDict();
    const b = make();
    b.loadStateDict({ ...saved, tensors: Object.fromEntries(await Promise.all(Object.entries(saved.tensors).map(async ([k, t]) => [k, tensor(await t.data(), t.shape)]))) });
    const pb = Object.fromEntries(await Promise.all(Object.entries(pa).map(async ([k, t]) => [k, tensor(await t.data(), t.shape)])));
    pa = a.step(pa, toTensors(c.steps[1]!.grads), 0.005);
    const nb = b.step(pb, toTensors(c.steps[1]!.grads), 0.005);
    for (const name of Object.keys(pa)) expect(Array.from(await nb[name]!.data())).toEqual(Array.from(await pa[name]!.data()));
    expect(b.stateDict().step).toBe(2);
    expect(() => new DecoupledLionW().loadStateDict(saved)).toThrow(/DecoupledAdamW state/);
  });
});
