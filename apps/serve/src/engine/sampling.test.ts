import { chooseToken } from '@tessera/model';
import { Generator } from '@tessera/tensor';
import { describe, expect, it } from 'vitest';
import { logSoftmax, Sampler, topEntries, type SamplingParams } from './sampling.js';

const params = (overrides: Partial<SamplingParams> = {}): SamplingParams => ({
  temperature: 1, topP: 1, topK: 0, presencePenalty: 0, frequencyPenalty: 0, repetitionPenalty: 1, logitBias: new Map(), seed: 3, ...overrides,
});

function randomLogits(n: number, seed: number): Float32Array {
  const g = new Generator(seed);
  return Float32Array.from({ length: n }, () => 3 * g.nextNormal());
}

describe('Sampler', () => {
  it('draws what chooseToken draws, on the fast path', () => {
    for (const temperature of [0, 0.5, 1, 1.7]) {
      const sampler = new Sampler(params({ temperature, seed: 9 }), 500);
      const reference = new Generator(9);
      for (let step = 0; step < 50; step++) {
        const z = randomLogits(500, step);
        const expected = chooseToken(Float64Array.from(z), { sample: temperature > 0, temperature, topK: 0, topP: 1, repetitionPenalty: 1 }, new Set(), [], reference);
        expect(sampler.next(z, null).id).toBe(expected);
      }
    }
  });

  it('never picks ids past the vocabulary limit', () => {
    const z = new Float32Array(10).fill(0);
    z[9] = 100;
    expect(new Sampler(params({ temperature: 0 }), 9).next(z, null).id).toBe(0);
    expect(new Sampler(params({ temperature: 0, topP: 0.5 }), 9).next(z, null).id).toBe(0);
  });

  it('applies logit bias and penalties', () => {
    const z = Float32Array.from([1, 2, 3]);
    expect(new Sampler(params({ temperature: 0, logitBias: new Map([[0, 5]]) }), 3).next(z, null).id).toBe(0);
    const penalised = new Sampler(params({ temperature: 0, frequencyPenalty: 2 }), 3);
    expect([0, 1, 2].map(() => penalised.next(z, null).id)).toEqual([2, 1, 0]); // [1, 2, 3] -> [1, 2, 1] -> [1, 0, 1]
  });

  it('reports the log probabilities of the raw logits', () => {
    const z = Float32Array.from([0, Math.log(3)]);
    const choice = new Sampler(params({ temperature: 0 }), 2).next(z, 2);
    expect(choice.id).toBe(1);
    expect(choice.logprob).toBeCloseTo(Math.log(0.75), 6);
    expect(choice.top.map((t) => t.id)).toEqual([1, 0]);
    expect(Array.from(logSoftmax(z)).reduce((a, b) => a + Math.exp(b), 0)).toBeCloseTo(1, 12);
    expect(topEntries(Float64Array.from([1, 5, 5, 2]), 3).map((t) => t.id)).toEqual([1, 2, 3]);
  });
});
