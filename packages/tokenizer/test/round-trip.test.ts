/**
 * `toJSON()` round trips: loading the output gives identical results, the output is stable, and
 * for files written by Hugging Face's current serializer it reproduces the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/tokenizer.js';
import { HAS_NEOX, LOCAL_FIXTURES, NEOX_DIR, readExpected } from './fixtures.js';
import { randomTexts, variants } from './hf-variants.js';

const texts = [...readExpected(join(LOCAL_FIXTURES, 'expected.jsonl')).map((l) => l.text).slice(0, 95), ...randomTexts(30, 3)];

function behaviour(t: Tokenizer, sample: readonly string[]): string {
  const out: unknown[] = [t.getVocabSize(), t.getVocabSize(false)];
  for (const text of sample) {
    for (const addSpecialTokens of [false, true]) {
      const e = t.encode(text, { addSpecialTokens });
      out.push(e.ids, e.tokens, e.offsets, t.decode(e.ids, { skipSpecialTokens: addSpecialTokens }));
    }
  }
  return JSON.stringify(out);
}

function roundTrip(source: string, sample: readonly string[] = texts): void {
  const original = Tokenizer.fromJSON(source);
  const json = JSON.stringify(original.toJSON());
  const reloaded = Tokenizer.fromJSON(json);
  expect(behaviour(reloaded, sample) === behaviour(original, sample), 'same encodings after reloading').toBe(true);
  expect(JSON.stringify(reloaded.toJSON()) === json, 'toJSON is stable').toBe(true);
}

describe('toJSON round trip', () => {
  it('reproduces a file written by tokenizers 0.23 exactly', () => {
    for (const file of ['tokenizer.json', join('train-small', 'tokenizer.json')]) {
      const source = readFileSync(join(LOCAL_FIXTURES, file), 'utf8');
      expect(JSON.stringify(Tokenizer.fromJSON(source).toJSON()), file).toBe(JSON.stringify(JSON.parse(source)));
      roundTrip(source);
    }
  });

  it('GPT-2', () => {
    roundTrip(readFileSync(join(LOCAL_FIXTURES, 'gpt2-tokenizer.json'), 'utf8'), texts.slice(0, 40));
  });

  it.skipIf(!HAS_NEOX)('GPT-NeoX-20B (legacy "a b" merges become pairs)', () => {
    roundTrip(readFileSync(join(NEOX_DIR, 'tokenizer.json'), 'utf8'), texts.slice(0, 40));
  });

  it('every component type (one variant each)', () => {
    const picked = /NFKC, Lowercase|Prepend|StripAccents|add_prefix_space|cl100k|regex Contiguous inverted|string MergedWithNext|Digits individual|Whitespace \+|WhitespaceSplit|Punctuation|CharDelimiter|Metaspace first|added tokens|Template|Sequence post|Roberta|BertProcessing|truncation|Llama 2|fuse_unk|continuing/;
    const chosen = Object.entries(variants()).filter(([name]) => picked.test(name));
    expect(chosen.length).toBeGreaterThanOrEqual(20);
    for (const [name, json] of chosen) {
      try {
        roundTrip(JSON.stringify(json), texts.slice(0, 20).concat(texts.slice(-20)));
      } catch (e) {
        throw new Error(`variant "${name}": ${(e as Error).message}`);
      }
    }
  });
});
