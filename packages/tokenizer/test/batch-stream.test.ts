/**
 * The streaming encoder: for every tokenizer it accepts, the ids of the chunks, concatenated,
 * equal the ids of the whole text, however the input arrives (strings or bytes split anywhere,
 * inside characters too) and however small the chunks; pipelines it cannot cut are refused.
 */
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/tokenizer.js';
import { encodeStream, type TextSource } from '../src/streaming/encode-stream.js';
import { SafeCuts, trySafeCuts } from '../src/streaming/safe-cuts.js';
import { HAS_NEOX, gpt2, neox, sotu } from './fixtures.js';
import { differentialTexts, variants } from './hf-variants.js';
import { mobyDickSections, sotuLines } from './train-corpora.js';

/** A deterministic pseudo-random generator (LCG), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

/** `text` as pieces of random length; as UTF-8 bytes split anywhere when `bytes`. */
function pieces(text: string, seed: number, bytes: boolean, maxPiece = 5000): (string | Uint8Array)[] {
  const next = random(seed);
  const out: (string | Uint8Array)[] = [];
  const source = bytes ? new TextEncoder().encode(text) : text;
  for (let i = 0; i < source.length; ) {
    const n = 1 + Math.floor(next() * maxPiece);
    out.push(source.slice(i, i + n));
    i += n;
  }
  return out;
}

async function streamed(tokenizer: Tokenizer, source: TextSource, chunkSize: number, addSpecialTokens = false): Promise<{ ids: number[]; chunks: number }> {
  const ids: number[] = [];
  let chunks = 0;
  for await (const chunk of encodeStream(tokenizer, source, { chunkSize, addSpecialTokens })) {
    expect(chunk.length).toBeGreaterThan(0);
    chunks++;
    for (const id of chunk) ids.push(id);
  }
  return { ids, chunks };
}

const edgeText = differentialTexts().join(' ') + '\n' + differentialTexts().join('\n') + ' ' + differentialTexts().join('  x ');

describe('encodeStream gives the ids of the whole text', () => {
  const moby = mobyDickSections()?.slice(0, 70).join('\n\n');
  const speeches = sotuLines()?.slice(225).join('');
  const corpus = moby !== undefined && speeches !== undefined ? moby + speeches : edgeText.repeat(20);
  const tokenizers: [string, () => Tokenizer][] = [
    ['GPT-2', gpt2],
    ['SOTU 4096', sotu],
  ];
  if (HAS_NEOX) tokenizers.push(['GPT-NeoX-20B (NFC, multi-space added tokens)', neox]);
  for (const [name, tokenizer] of tokenizers) {
    it(`${name}: real text, about 1.5 MB, as strings and as bytes`, async () => {
      const expected = tokenizer().encode(corpus, { addSpecialTokens: false }).ids;
      const fromStrings = await streamed(tokenizer(), pieces(corpus, 1, false), 30_000);
      expect(fromStrings.chunks).toBeGreaterThan(20);
      expect(fromStrings.ids).toEqual(expected);
      const fromBytes = await streamed(tokenizer(), pieces(corpus, 2, true, 70_000), 200_000);
      expect(fromBytes.ids).toEqual(expected);
    });
    it(`${name}: edge-case text in tiny chunks`, async () => {
      const expected = tokenizer().encode(edgeText, { addSpecialTokens: false }).ids;
      for (const seed of [3, 4]) {
        const { ids, chunks } = await streamed(tokenizer(), pieces(edgeText, seed, seed === 4, 50), 64);
        expect(chunks).toBeGreaterThan(50);
        expect(ids).toEqual(expected);
      }
    });
  }

  it('every tokenizer.json variant it accepts, and refuses the others', async () => {
    let accepted = 0;
    const refused: string[] = [];
    for (const [name, json] of Object.entries(variants())) {
      const tokenizer = Tokenizer.fromJSON(json);
      if (trySafeCuts(tokenizer) === null) {
        refused.push(name);
        await expect(streamed(tokenizer, [edgeText], 64), name).rejects.toThrow(/cannot cut/);
        continue;
      }
      accepted++;
      for (const addSpecialTokens of [false, true]) {
        const expected = tokenizer.encode(edgeText, { addSpecialTokens }).ids;
        const { ids } = await streamed(tokenizer, pieces(edgeText, 5, false, 300), 100, addSpecialTokens);
        expect(ids, `${name} (addSpecialTokens ${addSpecialTokens})`).toEqual(expected);
      }
    }
    expect(accepted).toBeGreaterThanOrEqual(15);
    expect(refused).not.toContain('Split cl100k + ByteLevel (Llama 3 style, ignore_merges)');
    expect(refused).toContain('ByteLevel use_regex false');
    expect(refused.some((name) => /Metaspace/.test(name))).toBe(true);
  });

  it('does not cut through added tokens that contain spaces or strip them', async () => {
    const json = sotu().toJSON() as { added_tokens: object[] };
    const base = { single_word: false, lstrip: false, normalized: false, special: false };
    json.added_tokens.push({ ...base, id: 4096, content: 'of the', rstrip: false }, { ...base, id: 4097, content: '<x>', rstrip: true });
    const tokenizer = Tokenizer.fromJSON(json);
    const text = 'the state of the Union <x> is <x>strong, of the people, by <x> the people '.repeat(300);
    const expected = tokenizer.encode(text, { addSpecialTokens: false }).ids;
    expect(expected.filter((id) => id === 4096).length).toBe(600);
    const { ids, chunks } = await streamed(tokenizer, pieces(text, 6, false, 100), 40);
    expect(chunks).toBeGreaterThan(100);
    expect(ids).toEqual(expected);
    // A cut never lands inside 'of the' or right after '<x>'.
    const cuts = new SafeCuts(tokenizer);
    for (let p = cuts.nextCut(text, 0); p >= 0; p = cuts.nextCut(text, p)) {
      expect(text.slice(p - 2, p + 4)).not.toBe('of the');
      expect(text.slice(p - 3, p)).not.toBe('<x>');
    }
  });

  it('keeps memory bounded by the chunk size on text with spaces', async () => {
    const text = 'word '.repeat(200_000);
    let longest = 0;
    for await (const ids of encodeStream(gpt2(), pieces(text, 7, false), { chunkSize: 10_000 })) longest = Math.max(longest, ids.length);
    expect(longest).toBeLessThan(2_100 + 5_000 / 5 + 10);
  });

  it('cuts a long text into parts that encode to the whole', () => {
    const cuts = new SafeCuts(gpt2());
    const text = edgeText.repeat(3);
    const parts = cuts.split(text, 500);
    expect(parts.length).toBeGreaterThan(20);
    expect(parts.join('')).toBe(text);
    expect(parts.flatMap((part) => gpt2().encode(part, { addSpecialTokens: false }).ids)).toEqual(gpt2().encode(text, { addSpecialTokens: false }).ids);
  });
});
