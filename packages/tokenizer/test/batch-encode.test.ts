/**
 * The worker-thread encoder pool: the same ids as single-threaded encoding, in input order, for
 * any thread count (long texts are cut between threads), and a process that forgets to close
 * its pool still exits.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/tokenizer.js';
import { createEncoderPool, type EncoderPool } from '../src/workers/encoder-pool.js';
import { gpt2, sotu } from './fixtures.js';
import { differentialTexts } from './hf-variants.js';
import { mobyDickSections } from './train-corpora.js';

const here = dirname(fileURLToPath(import.meta.url));
const texts = differentialTexts();
const book = (mobyDickSections() ?? texts).join('\n\n');
const single = (tokenizer: Tokenizer, inputs: readonly string[], addSpecialTokens: boolean): number[][] =>
  inputs.map((text) => tokenizer.encode(text, { addSpecialTokens }).ids);

describe('createEncoderPool', () => {
  let pool: EncoderPool;
  beforeAll(async () => {
    pool = await createEncoderPool(gpt2(), { threads: 2 });
  });
  afterAll(() => pool.close());

  it('gives the ids of single-threaded encoding, in order', async () => {
    expect(pool.threads).toBe(2);
    const inputs = [...texts, book, '', ...texts.slice(0, 20)];
    const expected = single(gpt2(), inputs, false);
    expect(await pool.encodeBatch(inputs, { addSpecialTokens: false })).toEqual(expected);
    // Concurrent batches, and again: the same ids whatever the scheduling.
    const [a, b] = await Promise.all([pool.encodeBatch(inputs, { addSpecialTokens: false }), pool.encodeBatch(inputs.slice(5, 50), { addSpecialTokens: false })]);
    expect(a).toEqual(expected);
    expect(b).toEqual(expected.slice(5, 50));
    expect(await pool.encodeBatch([])).toEqual([]);
  });

  it('cuts a long text between threads and adds special tokens around the whole', async () => {
    const json = sotu().toJSON();
    json.post_processor = {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<|endoftext|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|padding|>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: {
        '<|endoftext|>': { id: '<|endoftext|>', ids: [0], tokens: ['<|endoftext|>'] },
        '<|padding|>': { id: '<|padding|>', ids: [1], tokens: ['<|padding|>'] },
      },
    };
    const tokenizer = Tokenizer.fromJSON(json);
    const small = await createEncoderPool(tokenizer, { threads: 3, jobSize: 4096 });
    try {
      const inputs = [book, 'short', book.slice(0, 10_000)];
      for (const addSpecialTokens of [true, false]) {
        const got = await small.encodeBatch(inputs, { addSpecialTokens });
        expect(got).toEqual(single(tokenizer, inputs, addSpecialTokens));
      }
      expect((await small.encodeBatch(['x']))[0]).toEqual([0, tokenizer.tokenToId('x'), 1]);
    } finally {
      await small.close();
    }
  });

  it('encodes whole texts when the pipeline cannot be cut (truncation)', async () => {
    const json = gpt2().toJSON();
    json.truncation = { direction: 'Right', max_length: 7, strategy: 'LongestFirst', stride: 0 };
    const tokenizer = Tokenizer.fromJSON(json);
    const truncating = await createEncoderPool(tokenizer, { threads: 2, jobSize: 1000 });
    try {
      const inputs = [book, ...texts.slice(0, 30)];
      expect(await truncating.encodeBatch(inputs)).toEqual(single(tokenizer, inputs, true));
    } finally {
      await truncating.close();
    }
  });

  it('refuses padding and bad thread counts; rejects after close', async () => {
    const json = gpt2().toJSON();
    json.padding = { strategy: 'BatchLongest', direction: 'Right', pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: '!' };
    await expect(createEncoderPool(Tokenizer.fromJSON(json))).rejects.toThrow(/pads/);
    await expect(createEncoderPool(gpt2(), { threads: 0 })).rejects.toThrow(/threads/);
    const closing = await createEncoderPool(gpt2(), { threads: 1 });
    await closing.close();
    await expect(closing.encodeBatch(['a'])).rejects.toThrow(/closed/);
  });

  it('lets the process exit without close()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-pool-'));
    try {
      const script = join(dir, 'forgetful.mts');
      const source = (file: string): string => JSON.stringify(pathToFileURL(join(here, '..', 'src', file)).href);
      writeFileSync(
        script,
        [
          `import { Tokenizer } from ${source('tokenizer.ts')};`,
          `import { createEncoderPool } from ${source('workers/encoder-pool.ts')};`,
          `const tokenizer = Tokenizer.fromJSON(${JSON.stringify(JSON.stringify(sotu().toJSON()))});`,
          `const pool = await createEncoderPool(tokenizer, { threads: 2 });`,
          `const [ids] = await pool.encodeBatch(['Fellow-Citizens of the Senate'], { addSpecialTokens: false });`,
          `console.log(JSON.stringify(ids));`,
        ].join('\n'),
      );
      const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
      const { stdout } = await promisify(execFile)(tsx, [script], { timeout: 30_000 });
      expect(JSON.parse(stdout)).toEqual(sotu().encode('Fellow-Citizens of the Senate', { addSpecialTokens: false }).ids);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
