import { describe, expect, it } from 'vitest';
import { CLASS_LETTER, CLASS_NUMBER, CLASS_OTHER, CLASS_SPACE, charClass, codePointAt, codePointLength, isWhitespace, isWordChar, utf16ToCodePointMap } from './unicode.js';

describe('unicode classes', () => {
  it('uses the White_Space set, not JS \\s', () => {
    for (const c of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]) {
      expect(isWhitespace(c), c.toString(16)).toBe(true);
    }
    for (const c of [0xfeff, 0x180e, 0x200b, 0x41]) expect(isWhitespace(c), c.toString(16)).toBe(false);
  });

  it('classifies letters, numbers, spaces and the rest', () => {
    expect(charClass('a'.codePointAt(0)!)).toBe(CLASS_LETTER);
    expect(charClass('日'.codePointAt(0)!)).toBe(CLASS_LETTER);
    expect(charClass('٣'.codePointAt(0)!)).toBe(CLASS_NUMBER);
    expect(charClass('①'.codePointAt(0)!)).toBe(CLASS_NUMBER);
    expect(charClass(0x85)).toBe(CLASS_SPACE);
    expect(charClass('😀'.codePointAt(0)!)).toBe(CLASS_OTHER);
    expect(charClass(0x1d400)).toBe(CLASS_LETTER); // MATHEMATICAL BOLD CAPITAL A, astral
  });

  it('matches Rust-regex \\w for single_word tokens', () => {
    expect(isWordChar('_'.codePointAt(0)!)).toBe(true);
    expect(isWordChar(0x301)).toBe(true); // combining mark
    expect(isWordChar(0x200d)).toBe(true); // Join_Control
    expect(isWordChar('Ⓐ'.codePointAt(0)!)).toBe(true); // Alphabetic symbol
    expect(isWordChar('-'.codePointAt(0)!)).toBe(false);
    expect(isWordChar('①'.codePointAt(0)!)).toBe(false);
  });

  it('maps UTF-16 offsets to code points', () => {
    const s = 'a😀b😀';
    expect(codePointLength(s)).toBe(4);
    expect(codePointAt(s, 1)).toBe(0x1f600);
    const toCp = utf16ToCodePointMap(s);
    expect([0, 1, 3, 4, 6].map(toCp)).toEqual([0, 1, 2, 3, 4]);
    expect(utf16ToCodePointMap('abc')(2)).toBe(2);
  });
});
