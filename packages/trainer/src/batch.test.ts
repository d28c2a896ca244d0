import { describe, expect, it } from 'vitest';
import { shardBatch, splitBatch, tokenBatchSpec, type TokenBatch } from './batch.js';

const batch: TokenBatch = { tokens: Int32Array.from({ length: 20 }, (_, i) => i), batchSize: 5, seqLen: 4 };

describe('token batches', () => {
  it('counts samples, tokens and next-token targets', () => {
    expect(tokenBatchSpec.samples(batch)).toBe(5);
    expect(tokenBatchSpec.tokens(batch)).toBe(20);
    expect(tokenBatchSpec.lossWeight(batch)).toBe(15);
    const labels = Int32Array.from(batch.tokens, (v, i) => (i % 4 === 3 || i === 1 ? -100 : v));
    expect(tokenBatchSpec.lossWeight({ ...batch, labels })).toBe(9); // 15 - 5 last positions - 1
  });

  it('splits into microbatches and shards along rows', () => {
    const parts = splitBatch(tokenBatchSpec, batch, 2);
    expect(parts.map((p) => p.batchSize)).toEqual([2, 2, 1]);
    expect(Array.from(parts[2]!.tokens)).toEqual([16, 17, 18, 19]);
    expect(splitBatch(tokenBatchSpec, batch, 8)).toEqual([batch]);
    expect(shardBatch(tokenBatchSpec, batch, 2).map((p) => p.batchSize)).toEqual([3, 2]);
    expect(shardBatch(tokenBatchSpec, batch, 7).map((p) => p.batchSize)).toEqual([1, 1, 1, 1, 1]);
    expect(() => splitBatch(tokenBatchSpec, batch, 0)).toThrow(/positive integer/);
    expect(() => tokenBatchSpec.lossWeight({ ...batch, batchSize: 3 })).toThrow(/batchSpec/);
  });
});
