import { describe, expect, it } from 'vitest';
import { translateOnigRegex, UnsupportedRegexError } from './regex.js';

const js = (source: string): RegExp => new RegExp(translateOnigRegex(source), 'gu');
const all = (source: string, text: string): string[] => [...text.matchAll(js(source))].map((m) => m[0]);

describe('translateOnigRegex', () => {
  it('uses White_Space for \\s and \\S', () => {
    expect(all('\\s+', 'a\u0085b\ufeffc')).toEqual(['\u0085']);
    expect(all('\\S+', 'a\u0085b\ufeffc')).toEqual(['a', 'b\ufeffc']);
    expect(all('[^\\s\\p{L}]+', 'ab\u0085!?\ufeff')).toEqual(['!?\ufeff']);
  });

  it('uses Unicode \\w and \\d', () => {
    expect(all('\\w+', 'héllo_٣ wörld-x')).toEqual(['héllo_٣', 'wörld', 'x']);
    expect(all('\\d+', 'a١٢٣b42①')).toEqual(['١٢٣', '42']);
    expect(all('\\D+', 'a1b')).toEqual(['a', 'b']);
    expect(all('\\h+', 'xx0fAz')).toEqual(['0fA']);
  });

  it('expands (?i:...) and (?i) without inline modifiers', () => {
    expect(all("(?i:'s|'t)", "'S 's 'T 'x")).toEqual(["'S", "'s", "'T"]);
    expect(all('(?i)ab[c-d]', 'ABC abd aBD')).toEqual(['ABC', 'abd', 'aBD']);
    expect(all('(?i:x)y', 'XY Xy xy')).toEqual(['Xy', 'xy']);
  });

  it('rewrites anchors, \\x{...}, script names and literal braces', () => {
    expect(all('\\Aab', 'abab')).toEqual(['ab']);
    expect(all('\\x{41}+', 'AAB')).toEqual(['AA']);
    expect(all('\\p{Han}+', 'ab漢字cd')).toEqual(['漢字']);
    expect(all('\\p{^L}+', 'ab12cd')).toEqual(['12']);
    expect(all('a{', 'a{b')).toEqual(['a{']);
    expect(all('\\p{N}{1,3}', '12345')).toEqual(['123', '45']);
    expect(all('\\-x', 'a-x')).toEqual(['-x']);
  });

  it('compiles the cl100k and GPT-2 patterns', () => {
    const cl100k = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    expect(all(cl100k, "I'M 12345 words\n\n")).toEqual(['I', "'M", ' ', '123', '45', ' words', '\n\n']);
  });

  it('refuses what JS cannot express', () => {
    for (const source of ['a++', 'a*+', '(?>a)', '[[:alpha:]]', '[a-z&&[^b]]', '[\\S]', '\\K', '(?m:a)']) {
      expect(() => translateOnigRegex(source), source).toThrow(UnsupportedRegexError);
    }
  });
});
