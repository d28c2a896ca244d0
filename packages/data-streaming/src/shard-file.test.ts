/** ShardFile: checks against index.json, and the pread/preadv paths batch readers use. */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ShardIntegrityError } from './errors.js';
import { ShardFile } from './shard-file.js';
import { buildShard } from './shard.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-shard-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const samples = Array.from({ length: 9 }, (_, i) => Uint8Array.from({ length: 100 + 37 * i }, (_x, j) => (i * 31 + j) & 0xff));
const shard = buildShard(new TextEncoder().encode('{"x":1}'), samples);

function open(name: string): ShardFile {
  const path = join(dir, name);
  writeFileSync(path, shard);
  return new ShardFile(path, name, shard.length, samples.length);
}

describe('ShardFile', () => {
  it('reads samples, sample offsets and ranges scattered over several buffers', () => {
    const file = open('a.mds');
    try {
      samples.forEach((s, i) => expect(file.sampleBytes(i)).toEqual(s));
      const begin = file.sampleStart(1);
      const end = file.sampleStart(9);
      expect(end - begin).toBe(samples.slice(1, 9).reduce((n, s) => n + s.length, 0));
      expect(end - begin).toBeGreaterThan(1500);
      expect(file.sampleStart(samples.length)).toBe(shard.length);
      // 1500 one-byte views and a tail: more than IOV_MAX (1024) buffers in one call.
      const views = Array.from({ length: 1500 }, () => new Uint8Array(1));
      const tail = new Uint8Array(end - begin - 1500);
      file.readvInto(begin, [...views, tail]);
      expect(Uint8Array.from([...views.map((v) => v[0]!), ...tail])).toEqual(shard.subarray(begin, end));
      const into = new Uint8Array(end - begin + 10);
      file.readInto(begin, end - begin, into, 10);
      expect(into.subarray(10)).toEqual(shard.subarray(begin, end));
      expect(() => file.readInto(0, 20, new Uint8Array(10))).toThrow(RangeError);
      expect(() => file.sampleStart(samples.length + 1)).toThrow(ShardIntegrityError);
      expect(file.closed).toBe(false);
    } finally {
      file.close();
    }
    expect(file.closed).toBe(true);
  });

  it('a file truncated while open is a ShardIntegrityError naming the shard', () => {
    const file = open('b.mds');
    try {
      truncateSync(join(dir, 'b.mds'), shard.length - 50);
      const error = (() => {
        try {
          file.readvInto(file.sampleStart(7), [new Uint8Array(10), new Uint8Array(shard.length - file.sampleStart(7) - 10)]);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(ShardIntegrityError.isInstance(error)).toBe(true);
      expect((error as ShardIntegrityError).shard).toBe('b.mds');
      expect(String(error)).toMatch(/truncated while open/);
    } finally {
      file.close();
    }
  });
});
