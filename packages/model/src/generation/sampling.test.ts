/** Logit processing with Hugging Face semantics. */
import { describe, expect, it } from 'vitest';
import { Generator } from '@tessera/tensor';
import { applyRepetitionPenalty, argmax, chooseToken, softmax, topKFilter, topPFilter } from './sampling.js';

describe('sampling', () => {
  it('repetition penalty divides positive and multiplies negative logits of seen ids', () => {
    const z = Float64Array.from([2, -2, 1, 4]);
    applyRepetitionPenalty(z, new Set([0, 1, 9]), 2);
    expect(Array.from(z)).toEqual([1, -4, 1, 4]);
  });

  it('top-k keeps the k largest, with ties of the k-th', () => {
    const z = Float64Array.from([1, 5, 3, 3, 0]);
    topKFilter(z, 2);
    expect(Array.from(z)).toEqual([-Infinity, 5, 3, 3, -Infinity]);
  });

  it('top-p keeps the smallest set with mass >= p and always the best token', () => {
    const z = Float64Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
    topPFilter(z, 0.7);
    expect(Array.from(z).map(Number.isFinite)).toEqual([true, true, false]);
    const tiny = Float64Array.from([0, 1, 2]);
    topPFilter(tiny, 1e-9);
    expect(Array.from(tiny).map(Number.isFinite)).toEqual([false, false, true]);
  });

  it('argmax takes the first maximum; softmax ignores -inf', () => {
    expect(argmax([1, 3, 3])).toBe(1);
    expect(Array.from(softmax(Float64Array.from([0, -Infinity, 0])))).toEqual([0.5, 0, 0.5]);
  });

  it('draws follow the distribution', () => {
    const g = new Generator(7);
    const counts = [0, 0, 0];
    const settings = { sample: true, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };
    for (let i = 0; i < 20000; i++) counts[chooseToken(Float64Array.from([Math.log(0.6), Math.log(0.3), Math.log(0.1)]), settings, new Set(), [], g)]!++;
    expect(counts[0]! / 20000).toBeCloseTo(0.6, 1);
    expect(counts[2]! / 20000).toBeCloseTo(0.1, 1);
  });

  it('banned ids are never chosen', () => {
    const settings = { sample: false, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };
    expect(chooseToken(Float64Array.from([9, 1, 2]), settings, new Set(), [0], new Generator(0))).toBe(2);
  });
});
