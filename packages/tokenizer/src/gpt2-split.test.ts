import { describe, expect, it } from 'vitest';
import { GPT2_PATTERN, splitGpt2 } from './gpt2-split.js';

function pieces(text: string): string[] {
  const out: string[] = [];
  splitGpt2(text, (t, s, e) => out.push(t.slice(s, e)));
  return out;
}

function regexPieces(text: string): string[] {
  return [...text.matchAll(GPT2_PATTERN)].map((m) => m[0]);
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('splitGpt2', () => {
  it('splits as GPT-2 does', () => {
    expect(pieces("Hello  world's")).toEqual(['Hello', ' ', ' world', "'s"]);
    expect(pieces("DON'T")).toEqual(['DON', "'", 'T']);
    expect(pieces("they're")).toEqual(['they', "'re"]);
    expect(pieces('a\n\nb')).toEqual(['a', '\n', '\n', 'b']);
    expect(pieces('x   \n   y')).toEqual(['x', '   \n  ', ' y']);
    expect(pieces('trailing   ')).toEqual(['trailing', '   ']);
    expect(pieces(' 123abc!!')).toEqual([' 123', 'abc', '!!']);
    expect(pieces('\ufeffBOM')).toEqual(['\ufeff', 'BOM']);
    expect(pieces('a\u0085b')).toEqual(['a', '\u0085', 'b']);
    expect(pieces('')).toEqual([]);
  });

  it('equals the regex on random text', () => {
    const alphabet = [...'ab Z9 ', ' ', '  ', '\n', '\t', "'", "'s", "'ll", "'re", '!', '.', 'é', '日', '٣', '😀', '\u0301', '\u00a0', '\u3000', '\u0085', '\ufeff', '\ud800', '①'];
    const random = mulberry32(42);
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const n = Math.floor(random() * 16);
      for (let k = 0; k < n; k++) s += alphabet[Math.floor(random() * alphabet.length)]!;
      expect(pieces(s), JSON.stringify(s)).toEqual(regexPieces(s));
    }
  });
});
