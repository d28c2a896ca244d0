/**
 * Text/JSONL -> tokenized shards (llm-foundry --concat_tokens) and the training batch loader,
 * in process and with worker threads (same batches, same order as a DataLoader would give).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError, MDSFormatError, MDSWriter, StreamingDataset, TokenBatchLoader, convertTextToMDS, readJsonlTexts,
  type NDArray, type TokenBatch,
} from '@tessera/data-streaming';
import { rejectionOf } from './helpers.js';

let root: string;
const EOS = 0;
/** A toy tokenizer: one id per character (its code point). */
const tokenize = (text: string): number[] => Array.from(text, (c) => c.codePointAt(0)!);
const docs = Array.from({ length: 40 }, (_, i) => `document ${i} ${'x'.repeat(i % 17)}`);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tessera-batches-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('convertTextToMDS', () => {
  it('concatenates documents with EOS into fixed-length int32 samples', async () => {
    const out = join(root, 'concat');
    const result = await convertTextToMDS(docs, { out, concatTokens: 16, tokenize, eosIds: [EOS], sizeLimit: '1kb' });
    const stream = docs.flatMap((d) => [...tokenize(d), EOS]);
    expect(result.samples).toBe(Math.floor(stream.length / 16));
    expect(result.droppedTokens).toBe(stream.length % 16);
    expect(result.tokens).toBe(result.samples * 16);
    expect(result.index.shards.length).toBeGreaterThan(1);
    const ds = await StreamingDataset.create({ local: out });
    const all: number[] = [];
    for await (const s of ds) {
      const t = s.tokens as NDArray;
      expect(t.dtype).toBe('int32');
      expect(t.shape).toEqual([16]);
      all.push(...(t.data as Int32Array));
    }
    expect(all).toEqual(stream.slice(0, result.tokens));
  });

  it('writes fixed-shape token samples that read and batch like llm-foundry ones', async () => {
    const dynamic = join(root, 'concat-dynamic');
    const fixed = join(root, 'concat-fixed');
    await convertTextToMDS(docs, { out: dynamic, concatTokens: 16, tokenize, eosIds: [EOS], sizeLimit: '1kb' });
    const result = await convertTextToMDS(docs, { out: fixed, concatTokens: 16, tokenize, eosIds: [EOS], sizeLimit: '1kb', fixedShape: true });
    expect(result.index.shards[0]!.columnEncodings).toEqual(['ndarray:int32:16']);
    // No per-sample header: the raw shard bytes are exactly the tokens (plus the shard header).
    expect(result.index.shards[0]!.columnSizes).toEqual([64]);
    const a = await StreamingDataset.create({ local: dynamic });
    const b = await StreamingDataset.create({ local: fixed });
    expect(b.numSamples).toBe(a.numSamples);
    for (let i = 0; i < a.numSamples; i++) expect(await b.get(i)).toEqual(await a.get(i));
    const batches = async (local: string): Promise<number[][]> => {
      const loader = new TokenBatchLoader({ dataset: { local, batchSize: 3 }, seqLen: 16, directRead: 'always' });
      const out: number[][] = [];
      for await (const x of loader) out.push(Array.from(x.tokens));
      await loader.close();
      return out;
    };
    expect(await batches(fixed)).toEqual(await batches(dynamic));
  });

  it('supports BOS, noWrap, async tokenizers and raw text', async () => {
    const out = join(root, 'nowrap');
    const result = await convertTextToMDS(docs, { out, concatTokens: 12, tokenize: async (t) => Int32Array.from(tokenize(t)), bosIds: [1], noWrap: true });
    expect(result.samples).toBe(docs.filter((d) => d.length + 1 >= 12).length);
    const ds = await StreamingDataset.create({ local: out });
    const first = (await ds.get(0)).tokens as NDArray;
    expect(Array.from(first.data as Int32Array)).toEqual([1, ...tokenize(docs[0]!)].slice(0, 12));

    const textOut = join(root, 'text');
    const plain = await convertTextToMDS(docs, { out: textOut });
    expect(plain.samples).toBe(docs.length);
    expect((await (await StreamingDataset.create({ local: textOut })).get(3)).text).toBe(docs[3]);

    expect(InvalidArgumentError.isInstance(await rejectionOf(convertTextToMDS(docs, { out: join(root, 'x'), concatTokens: 8, tokenize })))).toBe(true);
  });

  it('reads JSONL files and directories', async () => {
    const dir = join(root, 'jsonl');
    rmSync(dir, { recursive: true, force: true });
    await import('node:fs').then((fs) => fs.mkdirSync(dir));
    writeFileSync(join(dir, 'b.jsonl'), docs.slice(20).map((text) => JSON.stringify({ text, id: 1 })).join('\n') + '\n');
    writeFileSync(join(dir, 'a.jsonl'), docs.slice(0, 20).map((text) => JSON.stringify({ text })).join('\n'));
    const texts: string[] = [];
    for await (const t of readJsonlTexts(dir)) texts.push(t);
    expect(texts).toEqual(docs);
    writeFileSync(join(dir, 'c.jsonl'), '{"txt": "no"}\n');
    expect(MDSFormatError.isInstance(await rejectionOf((async () => { for await (const _ of readJsonlTexts(dir)); })()))).toBe(true);
  });
});

describe('TokenBatchLoader', () => {
  const T = 16;
  let data: string;
  beforeAll(async () => {
    data = join(root, 'loader');
    const many = Array.from({ length: 300 }, (_, i) => `doc ${i}: ${'abc'.repeat(i % 11)}`);
    await convertTextToMDS(many, { out: data, concatTokens: T, tokenize, eosIds: [EOS], sizeLimit: '2kb' });
  });

  async function collect(loader: TokenBatchLoader, limit = Infinity): Promise<TokenBatch[]> {
    const out: TokenBatch[] = [];
    for await (const b of loader) {
      out.push(b);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** What the dataset itself yields, batched per data loader worker and interleaved. */
  async function reference(numWorkers: number, shuffle: boolean): Promise<number[][]> {
    const perWorker: number[][][] = [];
    for (let w = 0; w < numWorkers; w++) {
      const ds = await StreamingDataset.create({ local: data, batchSize: 4, shuffle, numWorkers });
      const rows: number[][] = [];
      for await (const s of ds.iterate({ worker: w })) rows.push(Array.from((s.tokens as NDArray).data as Int32Array));
      const batches: number[][] = [];
      for (let i = 0; i < rows.length; i += 4) batches.push(rows.slice(i, i + 4).flat());
      perWorker.push(batches);
    }
    const out: number[][] = [];
    for (let m = 0; m < Math.max(...perWorker.map((b) => b.length)); m++) for (const b of perWorker) { const x = b[m]; if (x) out.push(x); }
    return out;
  }

  it('in process: batches of batchSize x seqLen in dataset order', async () => {
    const loader = new TokenBatchLoader({ dataset: { local: data, batchSize: 4 }, seqLen: T });
    const batches = await collect(loader);
    expect(batches.map((b) => Array.from(b.tokens))).toEqual(await reference(1, false));
    expect(batches[0]!.tokens.length).toBe(4 * T);
    await loader.close();
  });

  it('two worker threads give the DataLoader order, shuffled, across epochs', async () => {
    const loader = new TokenBatchLoader({ dataset: { local: data, batchSize: 4, shuffle: true }, seqLen: T, numWorkers: 2, prefetchBatches: 3 });
    try {
      const epoch0 = await collect(loader);
      expect(epoch0.map((b) => Array.from(b.tokens))).toEqual(await reference(2, true));
      const epoch1 = await collect(loader);
      expect(epoch1.map((b) => Array.from(b.tokens))).not.toEqual(epoch0.map((b) => Array.from(b.tokens)));
      expect(loader.stateDict().epoch).toBe(1);
      expect(loader.stateDict().sampleInEpoch).toBe(epoch1.reduce((n, b) => n + b.batchSize, 0));
    } finally {
      await loader.close();
    }
  });

  it('resumes mid-epoch from its state dict, also with a different worker count', async () => {
    const options = { dataset: { local: data, batchSize: 4, shuffle: true }, seqLen: T };
    const full = new TokenBatchLoader({ ...options, numWorkers: 0 });
    const all = (await collect(full)).map((b) => Array.from(b.tokens)).flat();
    const first = new TokenBatchLoader({ ...options, numWorkers: 0 });
    const head = (await collect(first, 5)).map((b) => Array.from(b.tokens)).flat();
    const state = first.stateDict();
    expect(state.sampleInEpoch).toBe(20);
    const second = new TokenBatchLoader({ ...options, numWorkers: 2 });
    second.loadStateDict(state);
    try {
      const rest = (await collect(second)).map((b) => Array.from(b.tokens)).flat();
      // Two workers interleave batches differently, but the remaining samples are the same set.
      expect(rest.length + head.length).toBe(all.length);
      const rows = (xs: number[]): string[] => Array.from({ length: xs.length / T }, (_, i) => xs.slice(i * T, (i + 1) * T).join(',')).sort();
      expect(rows([...head, ...rest])).toEqual(rows(all));
    } finally {
      await second.close();
    }
  });

  it('reads other token columns: uint16 ndarrays, legacy int64 bytes, dynamic-dtype ndarrays', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => Array.from({ length: 6 }, (_x, j) => 100 * i + j));
    for (const [encoding, toValue, extra] of [
      ['ndarray:uint16', (r: number[]) => Uint16Array.from(r), {}],
      ['bytes', (r: number[]) => new Uint8Array(BigInt64Array.from(r, BigInt).buffer), { bytesDtype: 'int64' as const }],
      ['ndarray', (r: number[]) => Int32Array.from(r), {}],
      ['ndarray:int32:6', (r: number[]) => Int32Array.from(r), {}],
    ] as const) {
      const out = join(root, `tokens-${encoding.replace(/[:]/g, '-')}`);
      const w = new MDSWriter({ out, columns: { tokens: encoding, note: 'str' } });
      for (const r of rows) await w.write({ tokens: toValue(r), note: 'x' });
      await w.finish();
      const loader = new TokenBatchLoader({ dataset: { local: out, batchSize: 4 }, seqLen: 5, ...extra });
      const batches = await collect(loader);
      expect(batches.map((b) => b.batchSize)).toEqual([4, 4, 2]);
      expect(batches.flatMap((b) => Array.from(b.tokens))).toEqual(rows.flatMap((r) => r.slice(0, 5)));
    }
  });

  it('stops workers early and reports worker errors with their type', async () => {
    const loader = new TokenBatchLoader({ dataset: { local: data, batchSize: 4 }, seqLen: T + 1, numWorkers: 1 });
    try {
      const error = await rejectionOf(collect(loader));
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect(String(error)).toMatch(/fewer than seqLen/);
    } finally {
      await loader.close();
    }
    const padded = new TokenBatchLoader({ dataset: { local: data, batchSize: 4 }, seqLen: T + 1, padId: -1, numWorkers: 1, prefetchBatches: 1 });
    try {
      const two = await collect(padded, 2);
      expect(two).toHaveLength(2);
      expect(two[0]!.tokens[T]).toBe(-1);
      // A second epoch after an early stop starts cleanly.
      expect((await collect(padded, 1))).toHaveLength(1);
    } finally {
      await padded.close();
    }
  });
});
