/** MDSWriter: upstream's bytes (spec §1.2/§1.3 worked example), size limits, options, atomicity. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamingDataset } from './dataset.js';
import { InvalidArgumentError, MDSFormatError } from './errors.js';
import { parseIndex } from './index-file.js';
import { ShardReader } from './shard.js';
import { MDSWriter } from './writer.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-writer-'));
let counter = 0;
const fresh = (): string => join(root, `out-${counter++}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('MDSWriter', () => {
  it('reproduces the spec example byte for byte', async () => {
    const out = fresh();
    const w = new MDSWriter({ out, columns: { text: 'str', id: 'int', tokens: 'ndarray:uint16' } });
    await w.write({ text: 'hi', id: 7, tokens: new Uint16Array([1, 2, 3]) });
    await w.write({ text: 'é', id: -1n, tokens: { data: new Uint16Array([5, 6]), shape: [2, 1], dtype: 'uint16' } });
    await w.finish();
    expect(readFileSync(join(out, 'index.json'), 'utf8')).toBe(
      '{"shards": [{"column_encodings": ["int", "str", "ndarray:uint16"], "column_names": ["id", "text", "tokens"], ' +
        '"column_sizes": [8, null, null], "compression": null, "format": "mds", "hashes": [], "raw_data": ' +
        '{"basename": "shard.00000.mds", "bytes": 286, "hashes": {}}, "samples": 2, "size_limit": 67108864, ' +
        '"version": 2, "zip_data": null}], "version": 2}',
    );
    const shard = readFileSync(join(out, 'shard.00000.mds'));
    expect(shard.length).toBe(286);
    expect(shard.subarray(0, 16).toString('hex')).toBe('02000000' + 'eb000000' + '05010000' + '1e010000');
    expect(shard.subarray(235, 261).toString('hex')).toBe('02000000080000000700000000000000686904030100020003 00'.replace(/ /g, ''));
    expect(shard.subarray(261).toString('hex')).toBe('0200000007000000ffffffffffffffffc3a9080201' + '05000600');
  });

  it('follows upstream size-limit accounting: an empty first shard, oversize samples alone', async () => {
    const out = fresh();
    // Header: 4 + 4 + config (150 bytes); with the first sample (60 + 4 + 4) it passes 200.
    const w = new MDSWriter({ out, columns: { b: 'bytes' }, sizeLimit: 200 });
    await w.write({ b: new Uint8Array(60) });
    await w.write({ b: new Uint8Array(500) });
    await w.write({ b: new Uint8Array(1) });
    const index = await w.finish();
    expect(index.shards.map((s) => s.samples)).toEqual([0, 1, 1, 1]);
    expect(index.shards[0]!.rawData.basename).toBe('shard.00000.mds');
    const ds = await StreamingDataset.create({ local: out });
    expect(ds.numSamples).toBe(3);
    expect(((await ds.get(1)).b as Uint8Array).length).toBe(500);
  });

  it('packs samples until the next would pass the limit', async () => {
    const out = fresh();
    const w = new MDSWriter({ out, columns: { x: 'int32' }, sizeLimit: '1kb' });
    for (let i = 0; i < 1000; i++) await w.write({ x: i });
    const index = await w.finish();
    for (const s of index.shards) expect(s.rawData.bytes).toBeLessThanOrEqual(1024);
    expect(index.shards.reduce((a, s) => a + s.samples, 0)).toBe(1000);
    expect(index.shards[0]!.sizeLimit).toBe(1024);
    // Another sample would have crossed the limit: 4 bytes data + 4 bytes offset.
    expect(index.shards[0]!.rawData.bytes + 8).toBeGreaterThan(1024);
  });

  it('round-trips through every compression and hash', async () => {
    for (const compression of ['zstd', 'zstd:19', 'gz', 'gz:1', 'br:5', 'snappy']) {
      const out = fresh();
      const w = new MDSWriter({ out, columns: { text: 'str' }, compression, hashes: ['blake2b', 'md5', 'sha256', 'xxh128', 'xxh3_64', 'xxh64'], sizeLimit: 4096 });
      for (let i = 0; i < 200; i++) await w.write({ text: `sample ${i} `.repeat(i % 7) });
      const index = await w.finish();
      expect(index.shards.length).toBeGreaterThan(1);
      const ext = compression.split(':')[0];
      expect(readdirSync(out).filter((n) => n.startsWith('shard.')).every((n) => n.endsWith(`.mds.${ext}`))).toBe(true);
      for (const algo of ['xxh64', 'sha256', 'xxh3_64']) {
        const ds = await StreamingDataset.create({ local: out, validateHash: algo, cacheDir: join(root, 'cache', `${counter++}`) });
        for (let i = 0; i < 200; i += 37) expect((await ds.get(i)).text).toBe(`sample ${i} `.repeat(i % 7));
        ds.close();
      }
    }
  });

  it('validates its options', async () => {
    expect(InvalidArgumentError.isInstance(rejectSync(() => new MDSWriter({ out: fresh(), columns: { a: 'str' }, hashes: ['xxh64', 'sha1'] })))).toBe(true);
    expect(InvalidArgumentError.isInstance(rejectSync(() => new MDSWriter({ out: fresh(), columns: { a: 'str' }, hashes: ['crc32'] })))).toBe(true);
    expect(InvalidArgumentError.isInstance(rejectSync(() => new MDSWriter({ out: fresh(), columns: { a: 'str' }, compression: 'bz2' })))).toBe(true);
    expect(InvalidArgumentError.isInstance(rejectSync(() => new MDSWriter({ out: fresh(), columns: { a: 'str' }, compression: 'zstd:23' })))).toBe(true);
    expect(InvalidArgumentError.isInstance(rejectSync(() => new MDSWriter({ out: fresh(), columns: { a: 'str' }, sizeLimit: '4gb' })))).toBe(true);
    const out = fresh();
    const w = new MDSWriter({ out, columns: { a: 'str' } });
    await w.finish();
    expect(InvalidArgumentError.isInstance(rejectSync(() => new MDSWriter({ out, columns: { a: 'str' } })))).toBe(true);
    new MDSWriter({ out, columns: { a: 'str' }, existOk: true });
    const w2 = new MDSWriter({ out: fresh(), columns: { a: 'str' } });
    expect(String(await rejection(w2.write({ b: 'x' })))).toMatch(/column 'a'.*missing/);
    await w2.finish();
    expect(String(await rejection(w2.write({ a: 'x' })))).toMatch(/after finish/);
  });

  it('a killed writer leaves only complete shards and no index.json', async () => {
    const out = fresh();
    const script = join(root, 'crash-writer.mts');
    writeFileSync(
      script,
      `import { MDSWriter } from ${JSON.stringify(join(import.meta.dirname, 'writer.ts'))};\n` +
        `const w = new MDSWriter({ out: ${JSON.stringify(out)}, columns: { b: 'bytes' }, sizeLimit: 1 << 20 });\n` +
        `for (let i = 0; ; i++) await w.write({ b: new Uint8Array(50_000).fill(i % 251) });\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: join(import.meta.dirname, '..'), stdio: 'ignore' });
    try {
      const deadline = Date.now() + 20_000;
      while (!existsSync(out) || readdirSync(out).filter((n) => /^shard\.\d{5}\.mds$/.test(n)).length < 4) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`child wrote no shards (exit code ${child.exitCode})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    }
    const names = readdirSync(out);
    expect(names).not.toContain('index.json');
    for (const name of names.filter((n) => /^shard\.\d{5}\.mds$/.test(n))) {
      const reader = new ShardReader(readFileSync(join(out, name)), name);
      expect(reader.numSamples).toBe(20);
    }
    const error = await rejection(StreamingDataset.create({ local: out }));
    expect(MDSFormatError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/no index.json/);
  }, 30_000);
});

function rejectSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('index.json', () => {
  it('rejects other versions and formats naming the file', () => {
    expect(MDSFormatError.isInstance(rejectSync(() => parseIndex('{"shards": [], "version": 3}', 'x/index.json')))).toBe(true);
    expect(String(rejectSync(() => parseIndex('{"shards": [{"format": "json", "version": 2}], "version": 2}', 'x/index.json')))).toMatch(/x\/index.json.*format 'json'/);
    expect(String(rejectSync(() => parseIndex('{"shards": [', 'x/index.json')))).toMatch(/not valid JSON/);
  });
});
