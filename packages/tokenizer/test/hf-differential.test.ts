/**
 * Differential test against Hugging Face's library itself (npm `tokenizers`, the Rust code
 * through its Node binding): for every component variant in `hf-variants.ts`, encode fixture and
 * generated strings with both and compare ids, tokens, offsets, masks and decoded text.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/tokenizer.js';
import { differentialTexts, variants } from './hf-variants.js';

interface HfEncoding {
  getIds(): number[];
  getTokens(): string[];
  getOffsets(): number[][];
  getTypeIds(): number[];
  getSpecialTokensMask(): number[];
  getAttentionMask(): number[];
}
interface HfTokenizer {
  encode(text: string, pair: string | null, options: { addSpecialTokens: boolean }): Promise<HfEncoding>;
  encodeBatch(inputs: (string | [string, string])[], options: { addSpecialTokens: boolean }): Promise<HfEncoding[]>;
  decodeBatch(ids: number[][], skipSpecialTokens: boolean): Promise<string[]>;
  getVocabSize(withAddedTokens: boolean): number;
}
interface HfModule {
  Tokenizer: { fromString(json: string): HfTokenizer };
}

let hf: HfModule | undefined;
let loadError = '';
try {
  hf = createRequire(import.meta.url)('tokenizers') as HfModule;
} catch (e) {
  loadError = (e as Error).message;
  console.warn(`Hugging Face tokenizers (npm 'tokenizers') did not load, skipping the differential test: ${loadError}`);
}

const texts = differentialTexts();

describe.skipIf(hf === undefined)('agrees with Hugging Face tokenizers 0.23.2', () => {
  for (const [name, json] of Object.entries(variants())) {
    it(name, async () => {
      const source = JSON.stringify(json);
      const reference = hf!.Tokenizer.fromString(source);
      const ours = Tokenizer.fromJSON(source);
      expect(ours.getVocabSize(true), 'vocab size with added tokens').toBe(reference.getVocabSize(true));
      expect(ours.getVocabSize(false), 'vocab size').toBe(reference.getVocabSize(false));
      const hasPair = /Template|Bert|Roberta/.test(name);
      const inputs = texts.map((text, i): string | [string, string] => (hasPair && i % 2 === 1 ? [text, texts[i - 1]!] : text));
      // Without a post-processor or truncation, addSpecialTokens changes nothing: test it once.
      const flags = json.post_processor || json.truncation ? [false, true] : [false];
      for (const addSpecialTokens of flags) {
        const expected = hasPair
          ? await Promise.all(inputs.map((input) => (typeof input === 'string' ? reference.encode(input, null, { addSpecialTokens }) : reference.encode(input[0], input[1], { addSpecialTokens }))))
          : await reference.encodeBatch(inputs, { addSpecialTokens });
        const decoded = await reference.decodeBatch(expected.map((e) => e.getIds()), false);
        const decodedSkip = await reference.decodeBatch(expected.map((e) => e.getIds()), true);
        inputs.forEach((input, i) => {
          const [text, pair] = typeof input === 'string' ? [input, undefined] : input;
          const label = `${JSON.stringify(text)}${pair === undefined ? '' : ` + ${JSON.stringify(pair)}`} (addSpecialTokens ${addSpecialTokens})`;
          const actual = ours.encode(text, { addSpecialTokens, ...(pair === undefined ? {} : { pair }) });
          const e = expected[i]!;
          const got = {
            ids: actual.ids,
            tokens: actual.tokens,
            offsets: actual.offsets,
            typeIds: actual.typeIds,
            specialTokensMask: actual.specialTokensMask,
            attentionMask: actual.attentionMask,
            decoded: ours.decode(actual.ids),
            decodedSkipSpecial: ours.decode(actual.ids, { skipSpecialTokens: true }),
          };
          const want = {
            ids: e.getIds(),
            tokens: e.getTokens(),
            offsets: e.getOffsets(),
            typeIds: e.getTypeIds(),
            specialTokensMask: e.getSpecialTokensMask(),
            attentionMask: e.getAttentionMask(),
            decoded: decoded[i],
            decodedSkipSpecial: decodedSkip[i],
          };
          // One cheap comparison per string; the detailed assertion only runs on a mismatch.
          if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, label).toEqual(want);
        });
      }
    });
  }
});
