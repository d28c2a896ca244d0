/**
 * The data pieces without a model: the held-out split, fine-tuning examples (loss mask,
 * padding, resumable order) and the unigram baseline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBpe, type Tokenizer } from '@tessera/tokenizer';
import { IGNORE_INDEX, type TokenBatch } from '@tessera/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens, documents, FinetuneBatches, isHeldOut, readFinetuneExamples, unigramLoss } from '../src/index.js';

let tokenizer: Tokenizer;
const dir = mkdtempSync(join(tmpdir(), 'tessera-train-data-'));

beforeAll(async () => {
  const lines = ['Call me Ishmael. Some years ago, never mind how long precisely.\n', 'Who narrates Moby-Dick? Ishmael does.\n', 'The whale is white.\n'];
  tokenizer = await trainBpe(Array.from({ length: 20 }, () => lines).flat(), { vocabSize: 300, specialTokens: ['<|endoftext|>'] });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('held-out split', () => {
  it('is deterministic, disjoint and about the asked fraction', async () => {
    const data = { sources: [{ kind: 'builtin' as const, name: 'moby-dick' as const, maxChars: undefined }], evalFraction: 0.1, splitSeed: 17 };
    const [train, held, all]: [string[], string[], string[]] = [[], [], []];
    for await (const d of documents(data, 'train')) train.push(d);
    for await (const d of documents(data, 'eval')) held.push(d);
    for await (const d of documents(data, 'all')) all.push(d);
    expect(train.length + held.length).toBe(all.length);
    expect(held.length).toBeGreaterThan(all.length * 0.03);
    expect(held.length).toBeLessThan(all.length * 0.2);
    expect(held.some((d) => train.includes(d))).toBe(false);
    expect(isHeldOut(0, 5, data)).toBe(isHeldOut(0, 5, data));
  });

  it('max_chars caps a source', async () => {
    let chars = 0;
    for await (const d of documents({ sources: [{ kind: 'builtin', name: 'sotu', maxChars: 5000 }], evalFraction: 0, splitSeed: 1 }, 'all')) chars += d.length;
    expect(chars).toBe(5000);
  });
});

describe('fine-tuning examples', () => {
  it('trains the response only, pads with -100 labels and resumes mid-epoch', async () => {
    const file = join(dir, 'sft.jsonl');
    writeFileSync(file, [
      JSON.stringify({ prompt: 'Who narrates Moby-Dick?', response: 'Ishmael.' }),
      JSON.stringify({ prompt: 'What color is the whale?', response: 'White, mostly.' }),
      JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Call me Ishmael.' }] }),
      JSON.stringify({ prompt: 'Say nothing.', response: '' }),
      '',
    ].join('\n'));
    const { examples, dropped } = await readFinetuneExamples(file, undefined, tokenizer, 'plain', 64);
    expect(examples.length).toBe(4); // the empty response still trains its end-of-text token
    expect(dropped).toBe(0);
    const first = examples[0]!;
    const prompt = tokenizer.encode('Who narrates Moby-Dick?', { addSpecialTokens: false }).ids.length;
    expect(Array.from(first.labels.subarray(0, prompt)).every((l) => l === IGNORE_INDEX)).toBe(true);
    expect(tokenizer.decode(Array.from(first.labels.subarray(prompt)))).toBe('Ishmael.<|endoftext|>');

    const PAD = 9999;
    const batches = new FinetuneBatches(examples, { batchSize: 2, shuffle: true, seed: 5, padId: PAD, dropLast: true });
    expect(batches.length).toBe(2);
    const epoch = [...batches];
    const pads = epoch.flatMap((b) => Array.from(b.tokens).map((t, i) => ({ t, label: b.labels![i] }))).filter((x) => x.t === PAD);
    expect(pads.length).toBeGreaterThan(0); // rows of different lengths were padded on the right
    expect(pads.every((x) => x.label === IGNORE_INDEX)).toBe(true);
    // Resume after the first batch: the second batch is the same as in the uninterrupted epoch.
    const resumed = new FinetuneBatches(examples, { batchSize: 2, shuffle: true, seed: 5, padId: PAD, dropLast: true });
    const iterator = resumed[Symbol.iterator]();
    iterator.next();
    const state = resumed.stateDict();
    const fresh = new FinetuneBatches(examples, { batchSize: 2, shuffle: true, seed: 5, padId: PAD, dropLast: true });
    fresh.loadStateDict(state);
    fresh.setEpoch(0);
    const rest = [...fresh];
    expect(rest.length).toBe(1);
    expect(Array.from(rest[0]!.tokens)).toEqual(Array.from(epoch[1]!.tokens));
    // A new epoch reshuffles.
    fresh.setEpoch(1);
    expect([...fresh].map((b) => Array.from(b.tokens))).not.toEqual(epoch.map((b) => Array.from(b.tokens)));
  });

  it('names the line of a malformed record', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify({ prompt: 'a', response: 'b' })}\n{"question": "x"}\n`);
    await expect(readFinetuneExamples(file, undefined, tokenizer, 'auto', 64)).rejects.toThrow(/bad\.jsonl:2: expected \{"prompt"/);
  });
});

describe('unigram baseline', () => {
  it('is the add-one smoothed cross entropy of the next-token targets', async () => {
    const batch = (ids: number[], labels?: number[]): TokenBatch => ({ tokens: Int32Array.from(ids), batchSize: 1, seqLen: ids.length, ...(labels ? { labels: Int32Array.from(labels) } : {}) });
    const counts = await countTokens([batch([0, 0, 1, 2])], 4); // counts 2, 1, 1, 0; total 4; V 4
    expect(Array.from(counts)).toEqual([2, 1, 1, 0]);
    const { loss, targets } = await unigramLoss(counts, [batch([3, 0, 1], [3, 0, IGNORE_INDEX])]);
    expect(targets).toBe(1); // position 0 is never a target; position 2 is ignored
    expect(loss).toBeCloseTo(-Math.log(3 / 8), 12);
  });
});
