import { describe, expect, it } from 'vitest';
import { BYTE_TO_CHAR } from './byte-level.js';
import { NormalizedString } from './normalized-string.js';

describe('NormalizedString', () => {
  it('aligns surrogate pairs as one character', () => {
    const ns = NormalizedString.from('a😀');
    expect(ns.alignments).toEqual([0, 1, 1, 3, 1, 3]);
    expect(ns.toOriginal(1, 3)).toEqual([1, 3]);
  });

  it('slices with original offsets', () => {
    const ns = NormalizedString.from('hello world');
    const piece = ns.slice(6, 11);
    expect(piece.normalized).toBe('world');
    expect(piece.offsetsOriginal()).toEqual([6, 11]);
  });

  it('transforms as Hugging Face transform_range does', () => {
    const ns = NormalizedString.from('e\u0301x');
    ns.transform([['é', -1], ['x', 0]], 0);
    expect(ns.normalized).toBe('éx');
    expect(ns.toOriginal(0, 1)).toEqual([0, 1]);
    expect(ns.toOriginal(1, 2)).toEqual([2, 3]);
    const ns2 = NormalizedString.from('ﬁ');
    ns2.transform([['f', 0], ['i', 1]], 0);
    expect(ns2.toOriginal(1, 2)).toEqual([0, 1]);
  });

  it('filters, prepends, appends and strips', () => {
    const ns = NormalizedString.from('a-b-c');
    ns.filter((c) => c !== '-');
    expect(ns.normalized).toBe('abc');
    expect(ns.toOriginal(1, 2)).toEqual([2, 3]);
    const p = NormalizedString.from('hey');
    p.prepend('▁');
    expect(p.normalized).toBe('▁hey');
    expect(p.toOriginal(0, 1)).toEqual([0, 1]);
    p.append('!');
    expect(p.normalized).toBe('▁hey!');
    expect(p.toOriginal(4, 5)).toEqual([2, 3]);
    const s = NormalizedString.from('  x  ');
    s.strip(true, true, (c) => c === ' ');
    expect(s.normalized).toBe('x');
    expect(s.toOriginal(0, 1)).toEqual([2, 3]);
  });

  it('maps to byte-level symbols keeping each character span', () => {
    const ns = NormalizedString.from('aé😀');
    ns.byteLevel(BYTE_TO_CHAR);
    expect(ns.normalized).toBe('aÃ©ðŁĺĢ');
    expect(ns.toOriginal(1, 2)).toEqual([1, 2]);
    expect(ns.toOriginal(4, 5)).toEqual([2, 4]);
  });

  it('replaces many spans in one pass exactly as successive replaceRange calls', () => {
    for (const [text, spans, content] of [
      ['a b  c ', [[1, 2], [3, 5], [6, 7]], '▁'],
      ['xyz', [[0, 1]], ''],
      ['héllo wörld', [[1, 2], [7, 8]], '<>'],
      ['ab', [[0, 0], [2, 2]], 'Z'],
    ] as const) {
      const one = NormalizedString.from(text);
      one.replaceSpans(spans, content);
      const many = NormalizedString.from(text);
      let shift = 0;
      for (const [s, e] of spans) {
        many.replaceRange(s + shift, e + shift, content);
        shift += content.length - (e - s);
      }
      expect(one.normalized, text).toBe(many.normalized);
      expect(one.alignments, text).toEqual(many.alignments);
    }
  });

  it('replaces ranges', () => {
    const ns = NormalizedString.from('a  b');
    ns.replaceRange(1, 3, '_');
    expect(ns.normalized).toBe('a_b');
    expect(ns.toOriginal(1, 2)).toEqual([2, 3]);
    expect(ns.toOriginal(2, 3)).toEqual([3, 4]);
  });
});
