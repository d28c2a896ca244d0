/**
 * The token batch fast path (runs of samples read with one preadv straight into batch buffers,
 * rows moved into place over the headers) gives exactly the batches of the sample-by-sample
 * path and of decoding every sample, across shard boundaries, read-ahead groups, column
 * layouts, padding, dynamic dtypes, worker threads and resumption.
 */
import { mkdtempSync, openSync, readSync, rmSync, writeSync, closeSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MDSWriter, ShardIntegrityError, StreamingDataset, TokenBatchLoader, TokenBatcher, epochBatches, sampleTokens,
  type TokenBatch, type TokenBatchLoaderOptions,
} from '@tessera/data-streaming';
import { rejectionOf } from './helpers.js';

const T = 40;
const B = 3;
let root: string;

/** Deterministic token rows; `lengthOf(i)` tokens for sample i. */
function row(i: number, length: number): Int32Array {
  return Int32Array.from({ length }, (_, j) => ((i * 7919 + j * 104729) % 200003) - 1000);
}

interface Layout {
  name: string;
  columns: Record<string, string>;
  sample: (i: number) => Record<string, unknown>;
  padId?: number;
}

const layouts: Layout[] = [
  { name: 'dynamic-shape', columns: { tokens: 'ndarray:int32' }, sample: (i) => ({ tokens: row(i, T) }) },
  { name: 'fixed-shape', columns: { tokens: `ndarray:int32:${T}` }, sample: (i) => ({ tokens: row(i, T) }) },
  {
    // Several columns around the tokens; a dynamic dtype (every fifth sample int16, decoded);
    // samples longer than seqLen (cut) and shorter (padded).
    name: 'mixed',
    columns: { id: 'int', note: 'str', tokens: 'ndarray' },
    sample: (i) => {
      const length = T + ((i % 7) - 2) * 3;
      const tokens = i % 5 === 0 ? Int16Array.from(row(i, length), (x) => x % 30000) : row(i, length);
      return { id: BigInt(i), note: 'n'.repeat(i % 11), tokens };
    },
    padId: -7,
  },
  { name: 'uint16', columns: { tokens: 'ndarray:uint16' }, sample: (i) => ({ tokens: Uint16Array.from(row(i, T), (x) => x & 0xffff) }) },
];

const SAMPLES = 47;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tessera-fast-path-'));
  for (const layout of layouts) {
    // About four samples per shard, so runs and read-ahead groups cross shard boundaries.
    const writer = new MDSWriter({ out: join(root, layout.name), columns: layout.columns, sizeLimit: 4 * (4 * T + 40) });
    for (let i = 0; i < SAMPLES; i++) await writer.write(layout.sample(i));
    await writer.finish();
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function collect(loader: TokenBatchLoader, limit = Infinity): Promise<TokenBatch[]> {
  const out: TokenBatch[] = [];
  for await (const b of loader) {
    out.push({ tokens: b.tokens.slice(), batchSize: b.batchSize, seqLen: b.seqLen });
    b.release?.();
    if (out.length >= limit) break;
  }
  return out;
}

async function batches(options: TokenBatchLoaderOptions, limit = Infinity): Promise<number[][]> {
  const loader = new TokenBatchLoader(options);
  try {
    return (await collect(loader, limit)).map((b) => Array.from(b.tokens));
  } finally {
    await loader.close();
  }
}

/** Every sample decoded to an object, then its tokens copied: the reference. */
async function reference(local: string, padId: number | undefined, shuffle = false): Promise<number[][]> {
  const ds = await StreamingDataset.create({ local, batchSize: B, shuffle });
  const rows: number[][] = [];
  for await (const s of ds) rows.push(Array.from(sampleTokens(s, { seqLen: T, ...(padId === undefined ? {} : { padId }) })));
  const out: number[][] = [];
  for (let i = 0; i < rows.length; i += B) out.push(rows.slice(i, i + B).flat());
  return out;
}

describe('token batch fast path', () => {
  for (const layout of layouts) {
    it(`${layout.name}: preadv batches equal per-sample batches and decoded samples`, async () => {
      const local = join(root, layout.name);
      const expected = await reference(local, layout.padId);
      expect(expected.length).toBe(Math.ceil(SAMPLES / B));
      const base = { dataset: { local, batchSize: B }, seqLen: T, ...(layout.padId === undefined ? {} : { padId: layout.padId }) };
      expect(await batches({ ...base, directRead: 'never' })).toEqual(expected);
      // Read-ahead of one batch, of two and a half (rounded down to two), and of everything.
      for (const readAheadBytes of [1, 2.5 * 4 * B * T, 1 << 20]) {
        expect(await batches({ ...base, directRead: 'always', readAheadBytes })).toEqual(expected);
      }
      expect(await batches({ ...base, directRead: 'auto' })).toEqual(expected);
    });
  }

  it('shuffled, with two worker threads, the fast path gives the same batches', async () => {
    const local = join(root, 'dynamic-shape');
    const base = { dataset: { local, batchSize: B, shuffle: true, shuffleBlockSize: 8 }, seqLen: T, numWorkers: 2 };
    const slow = await batches({ ...base, directRead: 'never' });
    const fast = await batches({ ...base, directRead: 'always', readAheadBytes: 2 * 4 * B * T });
    expect(fast).toEqual(slow);
    expect(new Set(slow.flat()).size).toBeGreaterThan(T);
  });

  it('resumes mid-epoch exactly, although it read ahead of the batches it handed out', async () => {
    const local = join(root, 'mixed');
    const base: TokenBatchLoaderOptions = { dataset: { local, batchSize: B }, seqLen: T, padId: -7, directRead: 'always', readAheadBytes: 4 * 4 * B * T };
    const all = await batches(base);
    for (const k of [1, 2, 5]) {
      const first = new TokenBatchLoader(base);
      const head = await collect(first, k);
      const state = first.stateDict();
      await first.close();
      expect(state.sampleInEpoch).toBe(k * B);
      const second = new TokenBatchLoader(base);
      second.loadStateDict(state);
      try {
        const rest = (await collect(second)).map((b) => Array.from(b.tokens));
        expect([...head.map((b) => Array.from(b.tokens)), ...rest]).toEqual(all);
      } finally {
        await second.close();
      }
    }
  });

  it('epoch cursors hand out runs of consecutive samples that cover the epoch in order', async () => {
    const ds = await StreamingDataset.create({ local: join(root, 'fixed-shape'), batchSize: B });
    const cursor = await ds.openEpoch();
    const seen: number[] = [];
    try {
      for (;;) {
        const run = cursor.nextRun(5) ?? (cursor.done ? undefined : await cursor.fetchRun(5));
        if (run === undefined) break;
        expect(run.count).toBeGreaterThan(0);
        expect(run.count).toBeLessThanOrEqual(5);
        for (let i = 0; i < run.count; i++) {
          // Fixed-shape samples are exactly their tokens: the first token names the sample.
          const bytes = run.file.sampleBytes(run.index + i);
          seen.push(new Int32Array(bytes.slice().buffer)[0]!);
        }
        cursor.advance(run.count);
      }
    } finally {
      await cursor.close();
    }
    expect(seen).toEqual(Array.from({ length: SAMPLES }, (_, i) => row(i, 1)[0]));
    expect(ds.stateDict().sampleInEpoch).toBe(SAMPLES);
  });

  it('epochBatches with a TokenBatcher gives the loader batches', async () => {
    const local = join(root, 'dynamic-shape');
    const ds = await StreamingDataset.create({ local, batchSize: B });
    const cursor = await ds.openEpoch();
    const out: number[][] = [];
    try {
      for await (const b of epochBatches(cursor, new TokenBatcher({ seqLen: T, batchSize: B, directRead: 'always' }))) out.push(Array.from(b.tokens));
    } finally {
      await cursor.close();
    }
    expect(out).toEqual(await reference(local, undefined));
  });

  it('a corrupt length header is a ShardIntegrityError naming the shard on both paths', async () => {
    const local = join(root, 'corrupt');
    const writer = new MDSWriter({ out: local, columns: { tokens: 'ndarray:int32' }, sizeLimit: 4 * (4 * T + 40) });
    for (let i = 0; i < 10; i++) await writer.write({ tokens: row(i, T) });
    await writer.finish();
    const shard = readdirSync(local).filter((n) => n.endsWith('.mds')).sort()[1]!;
    // Sample 1 of the second shard claims a token column far longer than the sample.
    const fd = openSync(join(local, shard), 'r+');
    const header = new Uint8Array(12);
    readSync(fd, header, 0, 12, 0);
    const sample1 = new DataView(header.buffer).getUint32(8, true);
    writeSync(fd, Uint8Array.of(0xff, 0xff, 0x00, 0x00), 0, 4, sample1);
    closeSync(fd);
    for (const directRead of ['always', 'never'] as const) {
      const error = await rejectionOf(batches({ dataset: { local, batchSize: B }, seqLen: T, directRead }));
      expect(ShardIntegrityError.isInstance(error)).toBe(true);
      expect((error as ShardIntegrityError).shard).toBe(shard);
      expect(String(error)).toMatch(/runs past the end of its sample/);
    }
  });

  it('short samples without padId fail on the fast path too', async () => {
    const error = await rejectionOf(batches({ dataset: { local: join(root, 'mixed'), batchSize: B }, seqLen: T, directRead: 'always' }));
    expect(String(error)).toMatch(/fewer than seqLen/);
  });
});
