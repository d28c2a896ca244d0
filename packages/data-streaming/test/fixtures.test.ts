/**
 * Parity with mosaicml-streaming on the shared MDS fixtures (test/fixtures/mds, copied from
 * shared/fixtures/mds): both datasets decode to expected.jsonl sample by sample, and our
 * writer reproduces the raw shards and index.json byte for byte.
 */
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MDSWriter, StreamingDataset, decompressBytes, getEncoding, parseIndex, pythonJsonParse,
  type NDArray, type Sample,
} from '@tessera/data-streaming';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'mds');
const COLUMNS = { text: 'str', tokens: 'bytes', id: 'int', score: 'float64', meta: 'json', arr: 'ndarray:int16:4' };

interface Expected {
  index: number;
  values: { text: string; tokens: string; id: string; score: number | string; meta: unknown; arr: number[] };
  tokens_int32: number[];
  score_bits: string;
  raw: Record<string, string>;
  sample_bytes: number;
  location: Record<string, { shard: number; index_in_shard: number }>;
}

const expected: Expected[] = readFileSync(join(FIXTURES, 'expected.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => pythonJsonParse(line) as unknown as Expected);

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function scoreBits(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

function checkSample(sample: Sample, e: Expected): void {
  expect(sample.text).toBe(e.values.text);
  expect(sample.tokens).toBeInstanceOf(Uint8Array);
  expect(hex(sample.tokens as Uint8Array)).toBe(e.values.tokens);
  expect(Array.from(new Int32Array((sample.tokens as Uint8Array).slice().buffer))).toEqual(e.tokens_int32);
  expect(typeof sample.id).toBe('bigint');
  expect((sample.id as bigint).toString()).toBe(e.values.id);
  expect(typeof sample.score).toBe('number');
  const score = sample.score as number;
  // NaN payloads are preserved by the float64 read, so compare the bits.
  if (!Number.isNaN(score)) expect(scoreBits(score)).toBe(e.score_bits);
  else expect(e.values.score).toBe('NaN');
  expect(sample.meta).toEqual(e.values.meta);
  const arr = sample.arr as NDArray;
  expect(arr.dtype).toBe('int16');
  expect(arr.shape).toEqual([4]);
  expect(arr.data).toBeInstanceOf(Int16Array);
  expect(Array.from(arr.data as Int16Array)).toEqual(e.values.arr);
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tessera-mds-fixtures-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('fixtures: expected.jsonl', () => {
  it('has 500 samples', () => {
    expect(expected).toHaveLength(500);
  });

  it('reads the uncompressed dataset sample by sample, with locations and raw column bytes', async () => {
    const dir = join(FIXTURES, 'uncompressed');
    const ds = await StreamingDataset.create({ local: dir, exactJson: false });
    expect(ds.numSamples).toBe(500);
    expect(ds.length).toBe(500);
    const encodings = Object.fromEntries(Object.entries(COLUMNS).map(([c, enc]) => [c, getEncoding(enc, c)]));
    for (const e of expected) {
      const sample = await ds.get(e.index);
      checkSample(sample, e);
      const loc = ds.locate(e.index);
      expect({ shard: loc.shard, index_in_shard: loc.indexInShard }).toEqual(e.location.uncompressed);
      for (const [column, enc] of Object.entries(encodings)) {
        if (column === 'meta') continue; // needs exactJson to re-encode byte for byte
        expect(hex(enc.encode(sample[column], column))).toBe(e.raw[column]);
      }
    }
    // Iteration yields the same samples in order (sequential order, one rank).
    let i = 0;
    for await (const sample of ds) {
      expect(sample.text).toBe(expected[i]!.values.text);
      i++;
    }
    expect(i).toBe(500);
    ds.close();
  });

  it('re-encodes json columns byte for byte with exactJson', async () => {
    const ds = await StreamingDataset.create({ local: join(FIXTURES, 'uncompressed'), exactJson: true });
    const meta = getEncoding('json', 'meta');
    for (const e of expected) {
      const sample = await ds.get(e.index);
      expect(hex(meta.encode(sample.meta, 'meta'))).toBe(e.raw.meta);
    }
    ds.close();
  });

  it('reads the zstd dataset from a read-only folder, verifying hashes, writing nothing beside it', async () => {
    const source = join(work, 'zstd-readonly');
    cpSync(join(FIXTURES, 'zstd-sha1-xxh64'), source, { recursive: true });
    const before = readdirSync(source).sort();
    for (const name of before) chmodSync(join(source, name), 0o444);
    chmodSync(source, 0o555);
    const cacheDir = join(work, 'zstd-cache');
    try {
      for (const validateHash of ['xxh64', 'sha1']) {
        // A fresh cache per algorithm, so each run decompresses and checks every shard.
        const ds = await StreamingDataset.create({ local: source, cacheDir: join(cacheDir, validateHash), validateHash });
        for (const e of expected) {
          const sample = await ds.get(e.index);
          checkSample(sample, e);
          const loc = ds.locate(e.index);
          expect({ shard: loc.shard, index_in_shard: loc.indexInShard }).toEqual(e.location['zstd-sha1-xxh64']);
        }
        ds.close();
      }
      expect(readdirSync(source).sort()).toEqual(before);
    } finally {
      chmodSync(source, 0o755);
    }
    // The decompressed copies live in the cache directory.
    const cached = readdirSync(cacheDir, { recursive: true }).map(String).filter((n) => n.endsWith('.mds'));
    expect(cached).toHaveLength(2 * 46);
  });
});

async function readAll(dir: string): Promise<Sample[]> {
  const ds = await StreamingDataset.create({ local: dir, exactJson: true, cacheDir: join(work, 'cache') });
  const out: Sample[] = [];
  for (let i = 0; i < ds.numSamples; i++) out.push(await ds.get(i));
  ds.close();
  return out;
}

describe('fixtures: writer parity', () => {
  it('re-writes the uncompressed dataset byte for byte (shards and index.json)', async () => {
    const samples = await readAll(join(FIXTURES, 'uncompressed'));
    const out = join(work, 'rewrite-uncompressed');
    const writer = new MDSWriter({ out, columns: COLUMNS, sizeLimit: 8192 });
    for (const s of samples) await writer.write(s);
    await writer.finish();
    const names = readdirSync(join(FIXTURES, 'uncompressed')).sort();
    expect(readdirSync(out).sort()).toEqual(names);
    for (const name of names) {
      expect(readFileSync(join(out, name)).equals(readFileSync(join(FIXTURES, 'uncompressed', name))), name).toBe(true);
    }
  });

  it('re-writes the zstd dataset with identical raw shards and index.json apart from compressed bytes', async () => {
    const source = join(FIXTURES, 'zstd-sha1-xxh64');
    const samples = await readAll(source);
    const out = join(work, 'rewrite-zstd');
    const writer = new MDSWriter({ out, columns: COLUMNS, compression: 'zstd', hashes: ['sha1', 'xxh64'], sizeLimit: '8kb' });
    for (const s of samples) await writer.write(s);
    const index = await writer.finish();
    const theirs = parseIndex(readFileSync(join(source, 'index.json'), 'utf8'), 'index.json');
    const ours = parseIndex(readFileSync(join(out, 'index.json'), 'utf8'), 'index.json');
    expect(ours).toEqual(index);
    expect(ours.shards).toHaveLength(46);
    let identicalZips = 0;
    for (const [i, shard] of theirs.shards.entries()) {
      const mine = ours.shards[i]!;
      expect({ ...mine, zipData: null }).toEqual({ ...shard, zipData: null });
      expect(mine.zipData!.basename).toBe(shard.zipData!.basename);
      const theirZip = readFileSync(join(source, shard.zipData!.basename));
      const myZip = readFileSync(join(out, mine.zipData!.basename));
      expect(myZip.length).toBe(mine.zipData!.bytes);
      const theirRaw = await decompressBytes('zstd', theirZip);
      const myRaw = await decompressBytes('zstd', myZip);
      expect(Buffer.from(myRaw).equals(Buffer.from(theirRaw)), shard.rawData.basename).toBe(true);
      if (myZip.equals(theirZip)) identicalZips++;
    }
    // Not required (library versions differ), but libzstd 1.5.x at level 3 mostly agrees.
    expect(identicalZips).toBeGreaterThan(0);
    // Only the compressed forms are written.
    expect(readdirSync(out).filter((n) => n.endsWith('.mds'))).toEqual([]);
    expect(statSync(join(out, 'index.json')).size).toBeGreaterThan(0);
  });
});
