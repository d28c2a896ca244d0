/**
 * StreamingDataset against a real HTTP server on 127.0.0.1: downloads, decompression, retries
 * with backoff, missing/truncated/corrupt shards, cancellation, timeouts, bounded predownload
 * concurrency, and cache-limit eviction.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CacheLimitError, DownloadError, ShardIntegrityError, StreamingDataset, parseIndex, type ShardInfo,
} from '@tessera/data-streaming';
import { rejectionOf, sampleText, startStaticServer, writeDataset, type StaticServer } from './helpers.js';

const N = 300;
let root: string;
let server: StaticServer;
let shards: { raw: ShardInfo[]; zstd: ShardInfo[] };
let counter = 0;
const fresh = (): string => join(root, 'cache', `${counter++}`);
const quick = { retryDelay: () => 5, downloadTimeout: 5 };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tessera-http-'));
  await writeDataset(join(root, 'remote', 'raw'), N);
  await writeDataset(join(root, 'remote', 'zstd'), N, { compression: 'zstd' });
  const read = (d: string): ShardInfo[] => parseIndex(readFileSync(join(root, 'remote', d, 'index.json'), 'utf8'), d).shards;
  shards = { raw: read('raw'), zstd: read('zstd') };
  server = await startStaticServer(join(root, 'remote'));
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
  server.faults.clear();
  server.maxConcurrent = 0;
  server.delayMs = 0;
});

function ownedBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

describe('http(s) remotes', () => {
  it('downloads, decompresses and reads every sample; zip files are dropped', async () => {
    for (const kind of ['raw', 'zstd'] as const) {
      const local = fresh();
      const ds = await StreamingDataset.create({ remote: server.url, split: kind, local, validateHash: 'xxh64', ...quick });
      expect(ds.numSamples).toBe(N);
      let i = 0;
      for await (const sample of ds) {
        expect(sample).toEqual({ id: BigInt(i), text: sampleText(i) });
        i++;
      }
      expect(i).toBe(N);
      const names = readdirSync(join(local, kind)).sort();
      expect(names).toEqual(['index.json', ...shards[kind].map((s) => s.rawData.basename)].sort());
      expect(ds.cacheUsage).toBe(ownedBytes(join(local, kind)));
      ds.close();
    }
  });

  it('never downloads a file that is already in the cache', async () => {
    const local = fresh();
    const ds = await StreamingDataset.create({ remote: server.url, split: 'raw', local, ...quick });
    for (let i = 0; i < N; i += 7) await ds.get(i);
    const first = server.requests.length;
    const again = await StreamingDataset.create({ remote: server.url, split: 'raw', local, ...quick });
    for (let i = 0; i < N; i += 7) await again.get(i);
    expect(server.requests.length).toBe(first);
  });

  it('on startup deletes temp files of dead processes and keeps those of live ones', async () => {
    const local = fresh();
    const dir = join(local, 'raw');
    mkdirSync(dir, { recursive: true });
    const dead = join(dir, 'shard.00000.mds.tmp-999999999-abcd');
    const alive = join(dir, `shard.00001.mds.tmp-${process.pid}-abcd`);
    writeFileSync(dead, 'partial');
    writeFileSync(alive, 'partial');
    await StreamingDataset.create({ remote: server.url, split: 'raw', local, ...quick });
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(alive)).toBe(true);
  });

  it('retries failed attempts with backoff, up to downloadRetry attempts in total', async () => {
    const shard = `/raw/${shards.raw[2]!.rawData.basename}`;
    server.faults.set(shard, [{ kind: 'status', status: 503 }, { kind: 'truncate' }]);
    const delays: number[] = [];
    const ds = await StreamingDataset.create({
      remote: server.url, split: 'raw', local: fresh(), downloadRetry: 3,
      retryDelay: (attempt) => {
        delays.push(attempt);
        return 5;
      },
    });
    const id = shards.raw[0]!.samples + shards.raw[1]!.samples;
    expect((await ds.get(id)).id).toBe(BigInt(id));
    expect(server.requests.filter((p) => p === shard)).toHaveLength(3);
    expect(delays).toEqual([0, 1]);

    server.faults.set(`/raw/${shards.raw[3]!.rawData.basename}`, [{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }]);
    const error = await rejectionOf(ds.get(id + shards.raw[2]!.samples));
    expect(DownloadError.isInstance(error)).toBe(true);
    expect((error as DownloadError).attempts).toBe(3);
    expect((error as DownloadError).status).toBe(500);
    expect((error as DownloadError).url).toContain(shards.raw[3]!.rawData.basename);
  });

  it('the default backoff is 2^i s plus up to 0.5 s', async () => {
    const { defaultRetryDelay } = await import('@tessera/data-streaming');
    for (const attempt of [0, 1, 3]) {
      const ms = defaultRetryDelay(attempt);
      expect(ms).toBeGreaterThanOrEqual(1000 * 2 ** attempt);
      expect(ms).toBeLessThanOrEqual(1000 * 2 ** attempt + 500);
    }
  });

  it('a missing shard fails at once with a DownloadError naming it', async () => {
    const ds = await StreamingDataset.create({ remote: server.url, split: 'raw', local: fresh(), downloadRetry: 5, ...quick });
    const shard = `/raw/${shards.raw[0]!.rawData.basename}`;
    server.faults.set(shard, [{ kind: 'status', status: 404 }]);
    const error = await rejectionOf(ds.get(0));
    expect(DownloadError.isInstance(error)).toBe(true);
    expect((error as DownloadError).notFound).toBe(true);
    expect((error as DownloadError).attempts).toBe(1);
    expect(String(error)).toContain('shard.00000.mds');
    expect(server.requests.filter((p) => p === shard)).toHaveLength(1);
    // The next call tries again (and succeeds now).
    expect((await ds.get(0)).id).toBe(0n);
  });

  it('a missing index.json is a DownloadError', async () => {
    const error = await rejectionOf(StreamingDataset.create({ remote: server.url, split: 'nope', local: fresh(), ...quick }));
    expect(DownloadError.isInstance(error) && (error as DownloadError).notFound).toBe(true);
  });

  it('corrupt and truncated shards give ShardIntegrityError naming the shard', async () => {
    const raw = shards.raw[1]!;
    const good = readFileSync(join(root, 'remote', 'raw', raw.rawData.basename));
    const flipped = good.slice();
    flipped[flipped.length - 3]! ^= 0xff;
    const path = `/raw/${raw.rawData.basename}`;
    const first = shards.raw[0]!.samples;

    server.faults.set(path, [{ kind: 'body', body: flipped }]);
    let ds = await StreamingDataset.create({ remote: server.url, split: 'raw', local: fresh(), validateHash: 'sha1', ...quick });
    let error = await rejectionOf(ds.get(first));
    expect(ShardIntegrityError.isInstance(error)).toBe(true);
    expect((error as ShardIntegrityError).shard).toBe(raw.rawData.basename);
    expect((error as ShardIntegrityError).reason).toBe('hash');

    server.faults.set(path, [{ kind: 'body', body: good.subarray(0, good.length - 10) }]);
    ds = await StreamingDataset.create({ remote: server.url, split: 'raw', local: fresh(), ...quick });
    error = await rejectionOf(ds.get(first));
    expect(ShardIntegrityError.isInstance(error) && (error as ShardIntegrityError).reason).toBe('size');
    // Nothing untrusted is left behind: the next read downloads again and works.
    expect((await ds.get(first)).id).toBe(BigInt(first));

    const zip = shards.zstd[1]!.zipData!;
    const packed = readFileSync(join(root, 'remote', 'zstd', zip.basename)).slice();
    packed.fill(0x55, 0, 8);
    server.faults.set(`/zstd/${zip.basename}`, [{ kind: 'body', body: packed }]);
    ds = await StreamingDataset.create({ remote: server.url, split: 'zstd', local: fresh(), ...quick });
    error = await rejectionOf(ds.get(shards.zstd[0]!.samples));
    expect(ShardIntegrityError.isInstance(error) && (error as ShardIntegrityError).reason).toBe('decompress');
    expect((error as ShardIntegrityError).shard).toBe(zip.basename);
  });

  it('cancels downloads through an AbortSignal and leaves no temp files', async () => {
    const local = fresh();
    const ds = await StreamingDataset.create({ remote: server.url, split: 'raw', local, ...quick });
    server.faults.set(`/raw/${shards.raw[0]!.rawData.basename}`, [{ kind: 'stall', ms: 3000 }]);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const error = await rejectionOf(ds.get(0, { signal: controller.signal }));
    expect((error as Error).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(readdirSync(join(local, 'raw')).filter((n) => n.includes('.tmp-'))).toEqual([]);

    // Iteration stops too.
    server.faults.set(`/raw/${shards.raw[1]!.rawData.basename}`, [{ kind: 'stall', ms: 3000 }]);
    const iteration = new AbortController();
    const seen: bigint[] = [];
    setTimeout(() => iteration.abort(), 100);
    const iterError = await rejectionOf((async () => {
      for await (const s of ds.iterate({ signal: iteration.signal })) seen.push(s.id as bigint);
    })());
    expect((iterError as Error).name).toBe('AbortError');
    expect(seen.length).toBeLessThan(N);
  });

  it('times out a stalled download per attempt', async () => {
    const ds = await StreamingDataset.create({ remote: server.url, split: 'raw', local: fresh(), downloadRetry: 2, downloadTimeout: 0.2, retryDelay: () => 5 });
    const shard = `/raw/${shards.raw[0]!.rawData.basename}`;
    server.faults.set(shard, [{ kind: 'stall', ms: 2000 }, { kind: 'stall', ms: 2000 }]);
    const error = await rejectionOf(ds.get(0));
    expect(DownloadError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/timed out/);
  });

  it('predownloads ahead of the cursor with bounded concurrency', async () => {
    server.delayMs = 20;
    const ds = await StreamingDataset.create({ remote: server.url, split: 'zstd', local: fresh(), downloadConcurrency: 3, predownload: 200, ...quick });
    let n = 0;
    for await (const _ of ds) n++;
    expect(n).toBe(N);
    expect(server.maxConcurrent).toBeGreaterThan(1);
    expect(server.maxConcurrent).toBeLessThanOrEqual(3);
  });

  it('keeps the cache under cacheLimit by evicting least recently used shards', async () => {
    const local = fresh();
    const largest = Math.max(...shards.zstd.map((s) => s.rawData.bytes + s.zipData!.bytes));
    const indexBytes = statSync(join(root, 'remote', 'zstd', 'index.json')).size;
    const limit = indexBytes + 4 * largest;
    const ds = await StreamingDataset.create({ remote: server.url, split: 'zstd', local, cacheLimit: limit, predownload: 16, ...quick });
    for (let epoch = 0; epoch < 2; epoch++) {
      let i = 0;
      for await (const sample of ds) {
        expect(sample.id).toBe(BigInt(i++));
        expect(ds.cacheUsage).toBeLessThanOrEqual(limit);
        expect(ownedBytes(join(local, 'zstd'))).toBeLessThanOrEqual(limit);
      }
    }
    expect(ds.cacheUsage).toBe(ownedBytes(join(local, 'zstd')));
    // Every shard was fetched once per epoch (it was evicted in between).
    const fetched = server.requests.filter((p) => p.endsWith('.zstd'));
    expect(fetched.length).toBe(2 * shards.zstd.length);

    const error = await rejectionOf(StreamingDataset.create({ remote: server.url, split: 'zstd', local: fresh(), cacheLimit: limit - 1 }));
    expect(CacheLimitError.isInstance(error)).toBe(true);
  });

  it('reads from a local-path remote (copying into the cache)', async () => {
    const local = fresh();
    const ds = await StreamingDataset.create({ remote: join(root, 'remote'), split: 'zstd', local, keepZip: true });
    expect((await ds.get(N - 1)).text).toBe(sampleText(N - 1));
    const last = shards.zstd[shards.zstd.length - 1]!;
    expect(existsSync(join(local, 'zstd', last.zipData!.basename))).toBe(true);
    expect(existsSync(join(local, 'zstd', last.rawData.basename))).toBe(true);
  });
});
