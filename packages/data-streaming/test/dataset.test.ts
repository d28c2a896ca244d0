/**
 * StreamingDataset plumbing on local data: several streams with proportion/repeat/choose,
 * ranks and workers, the SampleOrder seam, mid-epoch resumption, and errors for missing,
 * truncated and corrupt local shards.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError, MDSFormatError, ShardIntegrityError, StreamingDataset, UnsupportedEncodingError, MDSWriter,
  parseIndex, sequentialSampleOrder, toPythonState, type SampleOrderFactory, type StreamingDatasetOptions,
} from '@tessera/data-streaming';
import { rejectionOf, writeDataset } from './helpers.js';

let root: string;
const A = 50; // samples in stream a
const B = 30; // samples in stream b

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tessera-dataset-'));
  await writeDataset(join(root, 'a'), A, { sizeLimit: '2kb' });
  await writeDataset(join(root, 'b'), B, { sizeLimit: '2kb', compression: 'zstd' });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function ids(options: StreamingDatasetOptions, iterate = {}): Promise<number[]> {
  const ds = await StreamingDataset.create({ cacheDir: join(root, 'cache'), ...options });
  const out: number[] = [];
  for await (const s of ds.iterate(iterate)) out.push(Number(s.id));
  ds.close();
  return out;
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('streams', () => {
  it('concatenates streams; get() addresses the underlying samples', async () => {
    const ds = await StreamingDataset.create({ streams: [{ local: join(root, 'a') }, { local: join(root, 'b') }], cacheDir: join(root, 'cache') });
    expect(ds.numSamples).toBe(A + B);
    expect(ds.length).toBe(A + B);
    expect((await ds.get(A)).id).toBe(0n);
    expect(ds.locate(A).stream).toBe(1);
    expect(InvalidArgumentError.isInstance(await rejectionOf(ds.get(A + B)))).toBe(true);
    expect(await ids({ streams: [{ local: join(root, 'a') }, { local: join(root, 'b') }] })).toEqual([...range(A), ...range(B)]);
  });

  it('applies repeat, choose and proportion', async () => {
    const sequential = { sampleOrder: sequentialSampleOrder };
    const repeat = await ids({ ...sequential, streams: [{ local: join(root, 'a'), repeat: 0.5 }, { local: join(root, 'b'), repeat: 2 }] });
    expect(repeat).toEqual([...range(25), ...range(B), ...range(B)]);
    const choose = await ids({ ...sequential, streams: [{ local: join(root, 'a'), choose: 10 }, { local: join(root, 'b'), choose: 35 }] });
    expect(choose).toEqual([...range(10), ...range(B), ...range(5)]);
    const relative = await ids({ ...sequential, streams: [{ local: join(root, 'a'), proportion: 3 }, { local: join(root, 'b'), proportion: 1 }], epochSize: 101 });
    expect(relative.length).toBe(101);
    expect(relative.slice(0, 76)).toEqual([...range(A), ...range(26)]);
    // The default (mosaicml) order picks partial repeats at random, but the counts hold: stream
    // b (ids 0..29) is seen exactly twice, 25 distinct samples of stream a (ids 0..49) once.
    const counts = new Map<number, number>();
    for (const id of await ids({ streams: [{ local: join(root, 'a'), repeat: 0.5 }, { local: join(root, 'b'), repeat: 2 }] })) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const total = [...counts.values()].reduce((x, y) => x + y, 0);
    expect(total).toBe(25 + 2 * B);
    const fromA = [...counts].reduce((n, [id, c]) => n + (id < B ? c - 2 : c), 0);
    expect(fromA).toBe(25);
    for (const [id, c] of counts) expect(c).toBeLessThanOrEqual(id < B ? 3 : 1);
    const weighted = await StreamingDataset.create({ streams: [{ local: join(root, 'a'), proportion: 3 }, { local: join(root, 'b'), proportion: 1 }], epochSize: 101, cacheDir: join(root, 'cache') });
    expect(weighted.epochSize).toBe(101);
  });

  it('rejects conflicting weights and shared local directories', async () => {
    for (const streams of [
      [{ local: join(root, 'a'), proportion: 1, repeat: 2 }],
      [{ local: join(root, 'a'), proportion: 1 }, { local: join(root, 'b') }],
    ]) {
      expect(InvalidArgumentError.isInstance(await rejectionOf(StreamingDataset.create({ streams })))).toBe(true);
    }
    expect(() => new StreamingDataset({ streams: [{ local: join(root, 'a') }, { local: join(root, 'a') }] })).toThrow(/used by another stream/);
    expect(() => new StreamingDataset({})).toThrow(/remote and\/or local/);
  });

  it('shuffles with the default (mosaicml) order; the sequential order refuses to', async () => {
    const ds = await StreamingDataset.create({ local: join(root, 'a'), shuffle: true, batchSize: 4 });
    const epochs: number[][] = [];
    for (let e = 0; e < 2; e++) {
      const seen: number[] = [];
      for await (const s of ds) seen.push(Number(s.id));
      epochs.push(seen);
    }
    expect([...epochs[0]!].sort((x, y) => x - y)).toEqual(range(A));
    expect([...epochs[1]!].sort((x, y) => x - y)).toEqual(range(A));
    expect(epochs[0]).not.toEqual(range(A));
    expect(epochs[1]).not.toEqual(epochs[0]);
    const error = await rejectionOf(StreamingDataset.create({ local: join(root, 'a'), shuffle: true, sampleOrder: sequentialSampleOrder }));
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).hint).toMatch(/sampleOrder/);
  });

  it('uses a plugged-in SampleOrder', async () => {
    const reversed: SampleOrderFactory = (input) => {
      const n = input.streams.reduce((a, s) => a + s.shardSizes.reduce((x, y) => x + y, 0), 0);
      return {
        epochSize: n,
        streamChoose: input.streams.map((s) => s.shardSizes.reduce((x, y) => x + y, 0)),
        numCanonicalNodes: 1,
        getPartition: (epoch, offset) => ({
          ids: Int32Array.from(range(n - offset), (i) => (epoch % 2 === 0 ? n - 1 - offset - i : offset + i)),
          workers: 1, batchesPerWorker: n - offset, batchSize: 1,
        }),
      };
    };
    const ds = await StreamingDataset.create({ local: join(root, 'a'), sampleOrder: reversed, shuffle: true });
    const epochs: number[][] = [];
    for (let e = 0; e < 2; e++) {
      const seen: number[] = [];
      for await (const s of ds) seen.push(Number(s.id));
      epochs.push(seen);
    }
    expect(epochs[0]).toEqual(range(A).reverse());
    expect(epochs[1]).toEqual(range(A));
  });
});

describe('ranks and workers', () => {
  it('splits global batches across ranks; their union is the epoch', async () => {
    const base = { local: join(root, 'a'), batchSize: 4, worldSize: 4, localWorldSize: 2 };
    const perRank = await Promise.all(range(4).map((rank) => ids({ ...base, rank, sampleOrder: sequentialSampleOrder })));
    const ds = await StreamingDataset.create({ ...base, rank: 0 });
    expect(ds.length).toBe(Math.ceil(A / 4));
    // Sequential order: global batch k = positions [16k, 16k + 16), rank r takes [16k + 4r, 16k + 4r + 4).
    expect(perRank[1]!.slice(0, 4)).toEqual([4, 5, 6, 7]);
    expect(perRank.flat().sort((x, y) => x - y)).toEqual(range(A));
    // Default order, shuffled: every rank gets length samples (upstream pads with repeats); together all.
    const shuffled = await Promise.all(range(4).map((rank) => ids({ ...base, rank, shuffle: true })));
    for (const r of shuffled) expect(r.length).toBeLessThanOrEqual(ds.length);
    expect(new Set(shuffled.flat())).toEqual(new Set(range(A)));
  });

  it('interleaves worker batches like a data loader, or yields one worker', async () => {
    const all = await ids({ local: join(root, 'a'), batchSize: 4, numWorkers: 2 });
    expect(all).toEqual(range(A));
    const w0 = await ids({ local: join(root, 'a'), batchSize: 4, numWorkers: 2 }, { worker: 0 });
    const w1 = await ids({ local: join(root, 'a'), batchSize: 4, numWorkers: 2 }, { worker: 1 });
    expect(w0.slice(0, 8)).toEqual([0, 1, 2, 3, 8, 9, 10, 11]);
    expect([...w0, ...w1].sort((x, y) => x - y)).toEqual(range(A));
  });
});

describe('resumption', () => {
  it('resumes mid-epoch where the interrupted run stopped', async () => {
    const options = { streams: [{ local: join(root, 'a') }, { local: join(root, 'b'), repeat: 1.5 }], batchSize: 2, cacheDir: join(root, 'cache') };
    const full = await ids(options);
    const first = await StreamingDataset.create(options);
    const seen: number[] = [];
    for await (const s of first) {
      seen.push(Number(s.id));
      if (seen.length === 37) break;
    }
    const state = first.stateDict();
    expect(state).toEqual({ epoch: 0, sampleInEpoch: 37, numCanonicalNodes: 1, shuffleSeed: 9176, initialPhysicalNodes: 1 });
    const second = await StreamingDataset.create(options);
    second.loadStateDict(JSON.parse(JSON.stringify(toPythonState(state))) as Record<string, unknown>);
    expect(second.stateDict()).toEqual(state);
    const rest: number[] = [];
    for await (const s of second) rest.push(Number(s.id));
    expect([...seen, ...rest]).toEqual(full);
    expect(second.stateDict()).toEqual({ ...state, sampleInEpoch: full.length });
    // The next iteration is epoch 1 from its start, as in an uninterrupted run.
    const uninterrupted = await StreamingDataset.create(options);
    for await (const _ of uninterrupted);
    const expectedNext: number[] = [];
    for await (const s of uninterrupted) expectedNext.push(Number(s.id));
    const next: number[] = [];
    for await (const s of second) next.push(Number(s.id));
    expect(next).toEqual(expectedNext);
    expect(second.stateDict().epoch).toBe(1);
  });

  it('resumes a shuffled epoch with a different number of workers (elastic)', async () => {
    const base = { streams: [{ local: join(root, 'a') }, { local: join(root, 'b') }], batchSize: 2, shuffle: true, cacheDir: join(root, 'cache') };
    const full = await ids({ ...base, numWorkers: 2 });
    expect(full).not.toEqual([...range(A), ...range(B)]);
    const first = await StreamingDataset.create({ ...base, numWorkers: 2 });
    const seen: number[] = [];
    for await (const s of first) {
      seen.push(Number(s.id));
      if (seen.length === 23) break;
    }
    const second = await StreamingDataset.create({ ...base, numWorkers: 3 });
    second.loadStateDict(first.stateDict());
    const rest: number[] = [];
    for await (const s of second) rest.push(Number(s.id));
    expect([...seen, ...rest]).toEqual(full);
  });

  it('ignores a state from an epoch already finished', async () => {
    const ds = await StreamingDataset.create({ local: join(root, 'a') });
    for await (const _ of ds) break;
    for await (const _ of ds) break; // now at epoch 1; next is 2
    ds.loadStateDict({ epoch: 0, sampleInEpoch: 10, numCanonicalNodes: 1, shuffleSeed: 9176, initialPhysicalNodes: 1 });
    const first = await ds.iterate().next();
    expect(first.value?.id).toBe(0n);
    expect(ds.stateDict().epoch).toBe(2);
  });
});

describe('local shard errors', () => {
  async function brokenCopy(name: string, damage: (dir: string, shard: string) => void): Promise<StreamingDataset> {
    const dir = join(root, name);
    cpSync(join(root, 'a'), dir, { recursive: true });
    const index = parseIndex(readFileSync(join(dir, 'index.json'), 'utf8'), name);
    damage(dir, join(dir, index.shards[1]!.rawData.basename));
    return StreamingDataset.create({ local: dir, validateHash: 'xxh64' });
  }

  it('a missing local shard', async () => {
    const ds = await brokenCopy('missing', (_dir, shard) => rmSync(shard));
    const error = await rejectionOf((async () => { for await (const _ of ds); })());
    expect(ShardIntegrityError.isInstance(error) && (error as ShardIntegrityError).reason).toBe('missing');
    expect((error as ShardIntegrityError).shard).toBe('shard.00001.mds');
  });

  it('a truncated local shard', async () => {
    const ds = await brokenCopy('truncated', (_dir, shard) => truncateSync(shard, 100));
    const error = await rejectionOf((async () => { for await (const _ of ds); })());
    expect(ShardIntegrityError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/shard.00001.mds/);
  });

  it('a corrupt local shard (hash mismatch)', async () => {
    const ds = await brokenCopy('corrupt', (_dir, shard) => {
      const bytes = readFileSync(shard);
      bytes[bytes.length - 1]! ^= 1;
      writeFileSync(shard, bytes);
    });
    const error = await rejectionOf((async () => { for await (const _ of ds); })());
    expect(ShardIntegrityError.isInstance(error) && (error as ShardIntegrityError).reason).toBe('hash');
  });

  it('a corrupt offset table', async () => {
    const dir = join(root, 'offsets');
    cpSync(join(root, 'a'), dir, { recursive: true });
    const shard = join(dir, 'shard.00000.mds');
    const bytes = readFileSync(shard);
    bytes.writeUInt32LE(0xffffff, 8);
    writeFileSync(shard, bytes);
    const ds = await StreamingDataset.create({ local: dir });
    const error = await rejectionOf(ds.get(0));
    expect(ShardIntegrityError.isInstance(error) && (error as ShardIntegrityError).reason).toBe('structure');
  });

  it('no index.json, or one that is not valid', async () => {
    expect(MDSFormatError.isInstance(await rejectionOf(StreamingDataset.create({ local: join(root, 'nowhere') })))).toBe(true);
    const dir = join(root, 'badindex');
    cpSync(join(root, 'a'), dir, { recursive: true });
    writeFileSync(join(dir, 'index.json'), '{"shards": [');
    expect(String(await rejectionOf(StreamingDataset.create({ local: dir })))).toMatch(/index.json: not valid JSON/);
  });

  it('a dataset with a pkl column is refused naming the column', async () => {
    const dir = join(root, 'pkl');
    const w = new MDSWriter({ out: dir, columns: { obj: 'pkl', text: 'str' } });
    await w.write({ obj: new Uint8Array([0x80, 0x04, 0x4b, 0x01, 0x2e]), text: 'x' });
    await w.finish();
    const error = await rejectionOf(StreamingDataset.create({ local: dir }));
    expect(UnsupportedEncodingError.isInstance(error)).toBe(true);
    expect((error as UnsupportedEncodingError).column).toBe('obj');
    const raw = await StreamingDataset.create({ local: dir, rawUnsupported: true });
    expect(Array.from((await raw.get(0)).obj as Uint8Array)).toEqual([0x80, 0x04, 0x4b, 0x01, 0x2e]);
  });
});
