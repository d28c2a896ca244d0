import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IncrementalDecoder } from '../src/incremental-decoder.js';
import { Tokenizer } from '../src/tokenizer.js';
import { LOCAL_FIXTURES, gpt2, readExpected, sotu } from './fixtures.js';
import { variants } from './hf-variants.js';

function stream(tokenizer: Tokenizer, ids: readonly number[], skipSpecialTokens = false): { pieces: string[]; text: string } {
  const decoder = new IncrementalDecoder(tokenizer, { skipSpecialTokens });
  const pieces = ids.map((id) => decoder.push(id));
  const text = pieces.join('') + decoder.flush();
  return { pieces, text };
}

describe('IncrementalDecoder', () => {
  it('holds bytes until a character is complete (🤗 = ĠðŁ ¤ Ĺ in GPT-2)', () => {
    const t = gpt2();
    const e = t.encode('hi 🤗!');
    expect(e.tokens).toEqual(['hi', 'ĠðŁ', '¤', 'Ĺ', '!']);
    const { pieces, text } = stream(t, e.ids);
    // The space is complete at once; the emoji's four bytes arrive over three tokens.
    expect(pieces).toEqual(['hi', ' ', '', '🤗', '!']);
    expect(text).toBe('hi 🤗!');
  });

  it('returns U+FFFD for bytes still held at flush, and resets', () => {
    const t = gpt2();
    const d = t.decodeStream();
    const ids = t.encode('🤗').ids;
    expect(d.push(ids[0]!)).toBe('');
    expect(d.flush()).toBe('\ufffd');
    expect(d.push(t.encode('ok').ids[0]!)).toBe('ok');
  });

  it('streams every fixture line to exactly decode(ids)', () => {
    for (const [t, file] of [
      [sotu(), 'expected.jsonl'],
      [gpt2(), 'gpt2-expected.jsonl'],
    ] as const) {
      for (const line of readExpected(join(LOCAL_FIXTURES, file))) {
        expect(stream(t, line.ids).text, line.name).toBe(line.decoded);
        if (line.decoded_skip_special !== undefined) expect(stream(t, line.ids, true).text, line.name).toBe(line.decoded_skip_special);
      }
    }
  });

  it('works with other decoders (byte fallback, Metaspace) by re-decoding a window', () => {
    const t = Tokenizer.fromJSON(variants()['Llama 2 shape: byte_fallback, Prepend/Replace, decoder chain']!);
    for (const text of ['héllo wörld', 'a 日本 b', 'The end and the start', '😀 ok']) {
      const ids = t.encode(text, { addSpecialTokens: false }).ids;
      const { pieces, text: streamed } = stream(t, ids);
      expect(streamed, text).toBe(t.decode(ids));
      expect(pieces.every((p) => !p.includes('\ufffd')), text).toBe(true);
    }
    const ids = t.encode('ō', { addSpecialTokens: false }).ids;
    expect(t.encode('ō', { addSpecialTokens: false }).tokens).toEqual(['▁', '<0xC5>', '<0x8D>']);
    expect(stream(t, ids).pieces).toEqual(['', '', 'ō']);
  });
});
