import { describe, expect, it } from 'vitest';
import { PieceCache } from './piece-cache.js';

describe('PieceCache', () => {
  it('finds pieces by range without slicing, grows, and starts over when full', () => {
    const cache = new PieceCache(5000);
    const text = Array.from({ length: 3000 }, (_, i) => `w${i}`).join(' ');
    let at = 0;
    const ranges: [number, number][] = [];
    for (const word of text.split(' ')) {
      ranges.push([at, at + word.length]);
      at += word.length + 1;
    }
    ranges.forEach(([s, e], i) => cache.set(text.slice(s, e), PieceCache.hash(text, s, e), i));
    expect(cache.size).toBe(3000);
    ranges.forEach(([s, e], i) => expect(cache.get(text, s, e, PieceCache.hash(text, s, e))).toBe(i));
    expect(cache.get('zz', 0, 2, PieceCache.hash('zz', 0, 2))).toBeUndefined();
    cache.set('w0', PieceCache.hash('w0', 0, 2), Int32Array.of(1, 2));
    expect(cache.get('w0', 0, 2, PieceCache.hash('w0', 0, 2))).toEqual(Int32Array.of(1, 2));
    const small = new PieceCache(2);
    small.set('a', PieceCache.hash('a', 0, 1), 1);
    small.set('b', PieceCache.hash('b', 0, 1), 2);
    small.set('c', PieceCache.hash('c', 0, 1), 3);
    expect(small.size).toBe(1);
    expect(small.get('a', 0, 1, PieceCache.hash('a', 0, 1))).toBeUndefined();
  });
});
