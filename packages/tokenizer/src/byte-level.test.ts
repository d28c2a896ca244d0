import { describe, expect, it } from 'vitest';
import { BYTE_TO_CHAR, CHAR_TO_BYTE, byteLevelAlphabet, byteLevelEncode, byteOfSymbol, utf8Encode } from './byte-level.js';

describe('byte-level table', () => {
  it("is GPT-2's bytes_to_unicode", () => {
    expect(BYTE_TO_CHAR[0x20]).toBe('Ġ');
    expect(BYTE_TO_CHAR[0x0a]).toBe('Ċ');
    expect(BYTE_TO_CHAR[0x09]).toBe('ĉ');
    expect(BYTE_TO_CHAR[0x41]).toBe('A');
    expect(BYTE_TO_CHAR[0xad]).toBe(String.fromCharCode(0x143));
    expect(BYTE_TO_CHAR[0xff]).toBe('ÿ');
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    for (let b = 0; b < 256; b++) expect(CHAR_TO_BYTE.get(BYTE_TO_CHAR[b]!.charCodeAt(0))).toBe(b);
    expect(byteOfSymbol('Ġ'.charCodeAt(0))).toBe(0x20);
    expect(byteOfSymbol(' '.charCodeAt(0))).toBe(-1);
    expect(byteLevelAlphabet()[0]).toBe('!');
  });

  it('encodes UTF-8 like TextEncoder, lone surrogates included', () => {
    const samples = ['', 'abc', 'é', '日本', '😀', 'a\ud800b', '\udc00', 'x\ud83d'];
    const out = new Uint8Array(64);
    for (const s of samples) {
      const n = utf8Encode(s, 0, s.length, out);
      expect([...out.subarray(0, n)], JSON.stringify(s)).toEqual([...new TextEncoder().encode(s)]);
    }
    expect(byteLevelEncode(' 🤗')).toBe('ĠðŁ¤Ĺ');
  });
});
