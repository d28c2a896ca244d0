/**
 * The pieces of the shared suites that are not themselves suites: the restated optimizer-step
 * definitions against the trainer's update rules written out element by element, the error
 * measure, and the case tables (they run on the reference backend).
 */
import { describe, expect, it } from 'vitest';
import { createCpuBackend, runKernel, tensor, type Tensor } from '@tessera/tensor';
import { onBackend } from '../host.js';
import { ATTENTION_CASES, attentionCaseLabel, relativeError } from './attention.js';
import { GEMM_LAYOUT_CASES } from './gemm.js';
import { AdamStepDef, LionStepDef, OPTIMIZER_STEP_KERNELS } from './optimizer-steps.js';

const p = [0.5, -1.25, 0, 2, -0.75];
const g = [0.1, 0.3, -0.2, 0, -2];
const m = [-0.05, 0.3, 0.4, 0, 1];
const v = [1e-4, 2e-3, 0, 5e-2, 1];

/** Runs `step` on a fresh reference backend with the inputs as float64 tensors; its outputs as arrays. */
async function onCpu(inputs: number[][], step: (xs: Tensor[]) => Tensor[]): Promise<number[][]> {
  return onBackend(createCpuBackend(), async () => {
    const outs = step(inputs.map((x) => tensor(x, [x.length], 'float64')));
    return Promise.all(outs.map(async (t) => Array.from(await t.data())));
  });
}

describe('restated optimizer steps', () => {
  it('are named as the trainer names them', () => {
    expect(OPTIMIZER_STEP_KERNELS).toEqual(['LionStep', 'AdamStep']);
  });

  for (const decay of [null, 0.99]) {
    it(`LionStep decomposes to Lion's update${decay === null ? '' : ' with decay'}`, async () => {
      const [lr, beta1, beta2] = [0.1, 0.9, 0.99];
      const [pNext, mNext] = await onCpu([p, g, m], (xs) => runKernel(LionStepDef, xs, { lr, beta1, beta2, decay }));
      p.forEach((pi, i) => {
        const c = beta1 * m[i]! + (1 - beta1) * g[i]!;
        expect(pNext![i]).toBeCloseTo(pi * (decay ?? 1) - lr * Math.sign(c), 14);
        expect(mNext![i]).toBeCloseTo(beta2 * m[i]! + (1 - beta2) * g[i]!, 14);
      });
    });

    it(`AdamStep decomposes to Adam's update${decay === null ? '' : ' with decay'}`, async () => {
      const [stepSize, beta1, beta2, eps, correction2] = [0.01, 0.9, 0.999, 1e-8, 0.5];
      const [pNext, mNext, vNext] = await onCpu([p, g, m, v], (xs) => runKernel(AdamStepDef, xs, { stepSize, beta1, beta2, eps, correction2, decay }));
      p.forEach((pi, i) => {
        const mi = beta1 * m[i]! + (1 - beta1) * g[i]!;
        const vi = beta2 * v[i]! + (1 - beta2) * g[i]! * g[i]!;
        expect(mNext![i]).toBeCloseTo(mi, 14);
        expect(vNext![i]).toBeCloseTo(vi, 14);
        expect(pNext![i]).toBeCloseTo(pi * (decay ?? 1) - stepSize * mi / (Math.sqrt(vi) / correction2 + eps), 12);
      });
    });
  }
});

describe('relativeError', () => {
  it('is the largest difference over the largest reference magnitude', () => {
    expect(relativeError([1, 2.5], [1, 2])).toBe(0.25);
    expect(relativeError([0, 0], [0, 0])).toBe(0);
  });

  it('rejects arrays of different lengths, naming both', () => {
    expect(() => relativeError([1], [1, 2])).toThrow(/got 1 values, want 2/);
  });
});

describe('case tables', () => {
  it('label every attention case differently, with grouped heads dividing the query heads', () => {
    expect(new Set(ATTENTION_CASES.map(attentionCaseLabel)).size).toBe(ATTENTION_CASES.length);
    for (const c of ATTENTION_CASES) expect(c.H % c.G, attentionCaseLabel(c)).toBe(0);
    expect(ATTENTION_CASES.some((c) => c.Tq > c.Tk && !c.causal)).toBe(true);
    expect(ATTENTION_CASES.some((c) => c.mask === true && c.causal && c.Tq < c.Tk)).toBe(true);
  });

  it('run every gemm layout case on the reference backend', async () => {
    await onBackend(createCpuBackend(), async () => {
      for (const c of GEMM_LAYOUT_CASES) {
        const [a, b] = c.shapes.map((shape) => tensor(new Float64Array(shape.reduce((x, y) => x * y, 1)).fill(1), [...shape], 'float64'));
        const y = c.run(a!, b!);
        expect((await y.data()).every((x) => Number.isFinite(x)), c.name).toBe(true);
      }
    });
  });
});
