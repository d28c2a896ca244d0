/**
 * Exact parity with Hugging Face tokenizers 0.23.2 on the golden files: ids, tokens, offsets
 * (code points) and decoded text, for every line.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LazyEncoding } from '../src/encoding.js';
import type { Tokenizer } from '../src/tokenizer.js';
import { HAS_NEOX, LOCAL_FIXTURES, NEOX_DIR, NEOX_SKIP_REASON, gpt2, neox, readExpected, sotu, type ExpectedLine } from './fixtures.js';

if (!HAS_NEOX) console.warn(NEOX_SKIP_REASON);

function checkLine(tokenizer: Tokenizer, line: ExpectedLine): void {
  const encoding = tokenizer.encode(line.text, { addSpecialTokens: false });
  expect(encoding.ids, `${line.name}: ids`).toEqual(line.ids);
  expect(encoding.tokens, `${line.name}: tokens`).toEqual(line.tokens);
  if (line.offsets) expect(encoding.offsets, `${line.name}: offsets`).toEqual(line.offsets);
  // The offset-tracking path must give the same ids as the fast path.
  expect((encoding as LazyEncoding).toJSON().ids, `${line.name}: offset path ids`).toEqual(line.ids);
  expect(tokenizer.decode(line.ids), `${line.name}: decoded`).toBe(line.decoded);
  if (line.decoded_skip_special !== undefined) {
    expect(tokenizer.decode(line.ids, { skipSpecialTokens: true }), `${line.name}: decoded_skip_special`).toBe(line.decoded_skip_special);
  }
}

function checkFile(load: () => Tokenizer, lines: () => ExpectedLine[]): void {
  it('matches every line', () => {
    const tokenizer = load();
    const all = lines();
    expect(all.length).toBeGreaterThan(0);
    for (const line of all) checkLine(tokenizer, line);
  });

  it('matches with a cold cache and in a batch', () => {
    const tokenizer = load();
    tokenizer.model.clearCache();
    const all = lines();
    const batch = tokenizer.encodeBatch(all.map((l) => l.text), { addSpecialTokens: false });
    batch.forEach((encoding, i) => expect(encoding.ids, all[i]!.name).toEqual(all[i]!.ids));
  });

  it('adds no special tokens by default (no BOS/EOS template)', () => {
    const tokenizer = load();
    for (const line of lines().slice(0, 20)) expect(tokenizer.encode(line.text).ids).toEqual(line.ids);
  });
}

describe('expected.jsonl (4096-token SOTU tokenizer)', () => {
  checkFile(sotu, () => readExpected(join(LOCAL_FIXTURES, 'expected.jsonl')));
});

describe('gpt2-expected.jsonl (GPT-2)', () => {
  checkFile(gpt2, () => readExpected(join(LOCAL_FIXTURES, 'gpt2-expected.jsonl')));
});

describe.skipIf(!HAS_NEOX)('gpt-neox-20b/expected.jsonl (the MPT tokenizer)', () => {
  checkFile(neox, () => readExpected(join(NEOX_DIR, 'expected.jsonl')));

  it('gives the MPT spec 4.6 test vectors', () => {
    const t = neox();
    const cases: [string, number[]][] = [
      ['Hello world', [12092, 1533]],
      ['Hello  world', [12092, 50276, 10186]],
      ['def f():\n    return 1', [1545, 269, 14850, 187, 50274, 2309, 337]],
      [' leading space', [4283, 2317]],
      ['Hello<|endoftext|>world', [12092, 0, 10186]],
      ["I'm here, aren't you?", [42, 1353, 1060, 13, 6403, 626, 368, 32]],
      ['naïve café 你好 🤗', [2072, 30180, 36241, 209, 24553, 34439, 22692, 99, 234]],
      ['a\n\nb', [66, 187, 187, 67]],
      [' '.repeat(30) + 'x', [50254, 50272, 89]],
      ['x\t\ty', [89, 186, 186, 90]],
      ['2023-05-05: 12345678', [938, 1508, 14, 1762, 14, 1762, 27, 1249, 16767, 25025]],
      ['<|im_start|>user\nHi<|im_end|>', [29, 93, 303, 64, 5478, 49651, 4537, 187, 12764, 29, 93, 303, 64, 423, 49651]],
      ['e\u0301', [860]],
    ];
    for (const [text, ids] of cases) expect(t.encode(text).ids, JSON.stringify(text)).toEqual(ids);
  });

  it('counts the vocabulary with and without added tokens', () => {
    expect(neox().getVocabSize(false)).toBe(50254);
    expect(neox().getVocabSize()).toBe(50277);
    expect(neox().vocabSize).toBe(50277);
  });
});
