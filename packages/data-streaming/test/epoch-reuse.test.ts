/**
 * Per-epoch work that the in-process batch loader skips or shortcuts: the sample order and its
 * runs are reused while they stay the same (unshuffled, nothing drawn at random), and batches
 * come out of a hand-written async iterator. Both must behave exactly like computing every
 * epoch afresh and like an async generator.
 */
import { closeSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MDSWriter, StreamingDataset, TokenBatchLoader, type StreamingDatasetOptions, type TokenBatch } from '@tessera/data-streaming';
import { rejectionOf } from './helpers.js';

const T = 16;
const B = 4;
const N = 45;
let root: string;
let local: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tessera-epoch-reuse-'));
  local = join(root, 'tokens');
  const writer = new MDSWriter({ out: local, columns: { id: 'int', tokens: `ndarray:int32:${T}` }, sizeLimit: 8 * (4 * T + 16) });
  for (let i = 0; i < N; i++) await writer.write({ id: i, tokens: Int32Array.from({ length: T }, (_, j) => i * 1000 + j) });
  await writer.finish();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function epochIds(ds: StreamingDataset): Promise<number[]> {
  const ids: number[] = [];
  for await (const sample of ds) ids.push(Number(sample.id));
  return ids;
}

/** Epoch `epoch` computed by a dataset that never saw another one. */
async function freshEpoch(options: StreamingDatasetOptions, epoch: number, sampleInEpoch = 0): Promise<number[]> {
  const ds = await StreamingDataset.create(options);
  ds.loadStateDict({ ...ds.stateDict(), epoch, sampleInEpoch });
  try {
    return await epochIds(ds);
  } finally {
    ds.close();
  }
}

describe('epoch order reuse', () => {
  const cases: [string, StreamingDatasetOptions, boolean][] = [
    ['unshuffled', { batchSize: B }, true],
    // A partial repeat is drawn afresh each epoch ("balanced" sampling): epochs differ.
    ['unshuffled, choose 1.5x (balanced)', { batchSize: B, streams: [{ choose: 67 }] }, false],
    ['unshuffled, choose 1.5x (fixed)', { batchSize: B, streams: [{ choose: 67 }], samplingMethod: 'fixed' }, true],
    ['shuffled', { batchSize: B, shuffle: true, shuffleBlockSize: 10 }, false],
  ];
  for (const [name, extra, same] of cases) {
    it(`every epoch equals a fresh computation: ${name}`, async () => {
      const options: StreamingDatasetOptions = extra.streams === undefined
        ? { ...extra, local }
        : { ...extra, streams: extra.streams.map((s) => ({ ...s, local })) };
      const ds = await StreamingDataset.create(options);
      const epochs: number[][] = [];
      for (let e = 0; e < 3; e++) epochs.push(await epochIds(ds));
      for (let e = 0; e < 3; e++) expect(epochs[e]).toEqual(await freshEpoch(options, e));
      expect(epochs[1]!.length).toBeGreaterThan(0);
      if (same) expect(epochs[1]).toEqual(epochs[0]);
      else expect(epochs[1]).not.toEqual(epochs[0]);
      // Resuming mid-epoch after full epochs: the rest of that epoch, not a reused full one.
      ds.loadStateDict({ ...ds.stateDict(), epoch: 3, sampleInEpoch: 12 });
      expect(await epochIds(ds)).toEqual(await freshEpoch(options, 3, 12));
      expect(await epochIds(ds)).toEqual(await freshEpoch(options, 4));
      ds.close();
    });
  }
});

describe('in-process batch iterator', () => {
  const flat = (batches: TokenBatch[]): number[] => batches.flatMap((b) => Array.from(b.tokens));
  const loaderOf = (): TokenBatchLoader => new TokenBatchLoader({ dataset: { local, batchSize: B }, seqLen: T, column: 'tokens' });
  async function collect(loader: TokenBatchLoader): Promise<TokenBatch[]> {
    const out: TokenBatch[] = [];
    for await (const batch of loader) out.push(batch);
    return out;
  }

  it('answers concurrent next() calls in order, then done', async () => {
    const expected = await collect(loaderOf());
    const loader = loaderOf();
    const iterator = loader[Symbol.asyncIterator]();
    const results = await Promise.all(Array.from({ length: expected.length + 2 }, () => iterator.next()));
    expect(results.slice(expected.length).every((r) => r.done)).toBe(true);
    const got = results.slice(0, expected.length).map((r) => r.value as TokenBatch);
    expect(got.map((b) => b.batchSize)).toEqual(expected.map((b) => b.batchSize));
    expect(flat(got)).toEqual(flat(expected));
    expect(loader.stateDict().sampleInEpoch).toBe(N);
    // The epoch was closed: the next one can start.
    expect(flat(await collect(loader))).toEqual(flat(expected));
    await loader.close();
  });

  it('break, return() before the first step, and a second iterator behave like a generator', async () => {
    const loader = loaderOf();
    const all = flat(await collect(loader));
    // An iterator closed before its first step opens nothing and consumes no epoch.
    const unused = loader[Symbol.asyncIterator]();
    expect(await unused.return(undefined)).toEqual({ value: undefined, done: true });
    expect(await unused.next()).toEqual({ value: undefined, done: true });
    const first: TokenBatch[] = [];
    for await (const batch of loader) {
      first.push(batch);
      if (first.length === 2) break;
    }
    expect(loader.stateDict()).toMatchObject({ epoch: 1, sampleInEpoch: 2 * B });
    expect(flat(first)).toEqual(all.slice(0, 2 * B * T));
    // While one epoch is being iterated, another iterator is refused.
    const a = loader[Symbol.asyncIterator]();
    await a.next();
    const error = await rejectionOf(loader[Symbol.asyncIterator]().next());
    expect(String(error)).toMatch(/already being iterated/);
    await expect(a.throw(new Error('stop'))).rejects.toThrow('stop');
    expect(await a.next()).toEqual({ value: undefined, done: true });
    // Resume from a checkpoint taken mid-epoch.
    const resumed = loaderOf();
    resumed.loadStateDict({ ...loader.stateDict(), epoch: 0, sampleInEpoch: 2 * B });
    expect(flat(await collect(resumed))).toEqual(all.slice(2 * B * T));
    await resumed.close();
    await loader.close();
  });

  it('an error while reading rejects next() and ends the epoch', async () => {
    const broken = join(root, 'broken');
    const writer = new MDSWriter({ out: broken, columns: { tokens: 'ndarray:int32' }, sizeLimit: 6 * (4 * T + 16) });
    for (let i = 0; i < 12; i++) await writer.write({ tokens: Int32Array.from({ length: T }, (_, j) => j) });
    await writer.finish();
    const shard = readdirSync(broken).filter((n) => n.endsWith('.mds')).sort()[1]!;
    const fd = openSync(join(broken, shard), 'r+');
    const header = new Uint8Array(12);
    readSync(fd, header, 0, 12, 0);
    writeSync(fd, Uint8Array.of(0xff, 0xff, 0x00, 0x00), 0, 4, new DataView(header.buffer).getUint32(8, true));
    closeSync(fd);
    const loader = new TokenBatchLoader({ dataset: { local: broken, batchSize: 2 }, seqLen: T, directRead: 'always' });
    for (let attempt = 0; attempt < 2; attempt++) {
      const iterator = loader[Symbol.asyncIterator]();
      let error: unknown;
      for (;;) {
        try {
          if ((await iterator.next()).done) break;
        } catch (e) {
          error = e;
          break;
        }
      }
      // Not "already being iterated" on the second attempt: the failed epoch was closed.
      expect(String(error)).toMatch(/runs past the end of its sample/);
      expect(await iterator.next()).toEqual({ value: undefined, done: true });
    }
    await loader.close();
  });
});
