import { tensor } from '@tessera/tensor';
import { describe, expect, it } from 'vitest';
import { BatchCache, joinTensors } from './batch-cache.js';

/** A one-layer cache of B rows x T positions, G = 1, hd = 1; K value = 10 * row + position + 1, V = -K. */
function filled(B: number, T: number, mask: boolean[][] | null = null, base = 0): BatchCache {
  const cache = new BatchCache(1);
  const values = Array.from({ length: B * T }, (_, i) => base + 10 * Math.floor(i / T) + (i % T) + 1);
  cache.append(0, tensor(values, [B, 1, T, 1]), tensor(values.map((v) => -v), [B, 1, T, 1]));
  cache.advance(T);
  cache.mask = mask;
  return cache;
}

function keys(cache: BatchCache): number[] {
  const [k] = cache.append(0, tensor([], [cache.batchSize!, 1, 0, 1]), tensor([], [cache.batchSize!, 1, 0, 1]));
  return Array.from(k.dataSync());
}

describe('BatchCache', () => {
  it('joins rows of different lengths with left padding and a mask', () => {
    const a = filled(1, 2);
    const b = filled(2, 3, [[false, true, true], [true, true, true]], 100);
    const joined = BatchCache.compose([{ cache: a, rows: [0] }, { cache: b, rows: [0, 1] }]);
    expect(joined.batchSize).toBe(3);
    expect(joined.length).toBe(3);
    expect(joined.mask).toEqual([[false, true, true], [false, true, true], [true, true, true]]);
    expect(keys(joined)).toEqual([0, 1, 2, 0, 102, 103, 111, 112, 113]);
  });

  it('selects rows (repeats allowed) and drops columns that are padding everywhere', () => {
    const cache = filled(3, 3, [[false, true, true], [true, true, true], [false, false, true]]);
    const picked = BatchCache.compose([{ cache, rows: [2, 0, 2] }]);
    expect(picked.length).toBe(2);
    expect(picked.mask).toEqual([[false, true], [true, true], [false, true]]);
    expect(keys(picked)).toEqual([0, 23, 2, 3, 0, 23]);
    const last = BatchCache.compose([{ cache: picked, rows: [1] }]);
    expect(last.mask).toBeNull(); // no padding left: forward skips the key mask
    expect(keys(last)).toEqual([2, 3]);
    expect(BatchCache.compose([{ cache, rows: [] }]).batchSize).toBeNull();
  });

  it('joins tensors like concat', () => {
    const a = tensor([1, 2, 3, 4], [2, 2]);
    const b = tensor([5, 6], [2, 1]);
    expect(Array.from(joinTensors([a, b], 1).dataSync())).toEqual([1, 2, 5, 3, 4, 6]);
    expect(Array.from(joinTensors([a, tensor([7, 8], [1, 2])], 0).dataSync())).toEqual([1, 2, 3, 4, 7, 8]);
  });
});
