import { describe, expect, it } from 'vitest';
import { MergeTable, mergeSymbols } from './merge-table.js';

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reference: merge the lowest-rank, leftmost pair until none has a rank. */
function reference(table: MergeTable, word: number[]): number[] {
  const w = [...word];
  for (;;) {
    let best = -1;
    let at = -1;
    for (let k = 0; k + 1 < w.length; k++) {
      const r = table.rank(w[k]!, w[k + 1]!);
      if (r >= 0 && (best < 0 || r < best)) {
        best = r;
        at = k;
      }
    }
    if (at < 0) return w;
    w.splice(at, 2, table.newId(w[at]!, w[at + 1]!));
  }
}

describe('MergeTable and mergeSymbols', () => {
  it('stores, overwrites and grows', () => {
    const t = new MergeTable(1);
    for (let i = 0; i < 1000; i++) t.set(i, i + 1, i, 5000 + i);
    expect(t.size).toBe(1000);
    expect(t.rank(10, 11)).toBe(10);
    expect(t.newId(10, 11)).toBe(5010);
    expect(t.rank(11, 10)).toBe(-1);
    t.set(10, 11, 3, 7);
    expect(t.rank(10, 11)).toBe(3);
    expect(t.size).toBe(1000);
  });

  it('equals the reference on random merges, short and long words, with spans', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 12; trial++) {
      const table = new MergeTable(64);
      let next = 10;
      for (let r = 0; r < 60; r++) table.set(Math.floor(random() * next), Math.floor(random() * next), r, next++);
      for (const length of [2, 5, 17, 120, 700]) {
        const word = Array.from({ length }, () => Math.floor(random() * 10));
        const ids = Int32Array.from(word);
        const starts = Int32Array.from(word, (_, i) => i);
        const ends = Int32Array.from(word, (_, i) => i + 1);
        const n = mergeSymbols(table, ids, ids.length, starts, ends);
        expect([...ids.subarray(0, n)]).toEqual(reference(table, word));
        expect(starts[0]).toBe(0);
        expect(ends[n - 1]).toBe(length);
        for (let k = 1; k < n; k++) expect(starts[k]).toBe(ends[k - 1]);
      }
    }
  });
});
