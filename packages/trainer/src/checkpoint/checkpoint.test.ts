import { mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tensor } from '@tessera/tensor';
import { CheckpointIntegrityError } from '../errors.js';
import { checkpointName, listCheckpoints, pruneCheckpoints, removeTemporaries, verifyCheckpoint, writeCheckpoint } from './checkpoint.js';
import { writeFileAtomic } from './files.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

const dirs: string[] = [];
const folder = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tessera-ckpt-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const fill = (text: string) => async (dir: string) => {
  writeFileSync(join(dir, 'a.bin'), text);
  writeFileSync(join(dir, 'b.json'), '{}');
};

describe('checkpoint folders', () => {
  it('are written atomically with a manifest of sizes and hashes', async () => {
    const save = folder();
    const path = await writeCheckpoint(save, checkpointName({ epoch: 0, batch: 4 }), fill('hello'));
    expect(path).toBe(join(save, 'ep0-ba4'));
    expect(readdirSync(save)).toEqual(['ep0-ba4']);
    const manifest = await verifyCheckpoint(path);
    expect(manifest.magic).toBe('tessera-trainer-checkpoint');
    expect(manifest.files['a.bin']).toEqual({ bytes: 5, sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' });
  });

  it('detect truncation, corruption, missing files and a missing manifest', async () => {
    const save = folder();
    const check = async (damage: (path: string) => void, pattern: RegExp) => {
      const path = await writeCheckpoint(save, 'ep0-ba1', fill('some bytes'));
      damage(path);
      const error = await verifyCheckpoint(path).catch((e: unknown) => e);
      expect(CheckpointIntegrityError.isInstance(error)).toBe(true);
      expect(String(error)).toMatch(pattern);
    };
    await check((p) => truncateSync(join(p, 'a.bin'), 3), /a\.bin.*3 bytes, the manifest says 10/);
    await check((p) => writeFileSync(join(p, 'a.bin'), 'some bytez'), /SHA-256 differs/);
    await check((p) => rmSync(join(p, 'b.json')), /b\.json.*missing/);
    await check((p) => rmSync(join(p, 'manifest.json')), /no readable manifest/);
  });

  it('a failed write leaves nothing behind; re-saving a name replaces it', async () => {
    const save = folder();
    await expect(writeCheckpoint(save, 'ep0-ba1', async () => { throw new Error('disk full'); })).rejects.toThrow('disk full');
    expect(readdirSync(save)).toEqual([]);
    await writeCheckpoint(save, 'ep0-ba1', fill('one'));
    await writeCheckpoint(save, 'ep0-ba1', fill('two'));
    expect(readFileSync(join(save, 'ep0-ba1', 'a.bin'), 'utf8')).toBe('two');
    expect(readdirSync(save)).toEqual(['ep0-ba1']);
  });

  it('list newest first, prune to the last N, and clean up temporaries', async () => {
    const save = folder();
    for (const b of [2, 10, 4]) await writeCheckpoint(save, checkpointName({ epoch: b === 10 ? 1 : 0, batch: b }), fill(String(b)));
    mkdirSync(join(save, '.tmp-ep0-ba12-123-abcd'));
    writeFileSync(join(save, 'metrics.jsonl'), '');
    expect((await listCheckpoints(save)).map((c) => c.name)).toEqual(['ep1-ba10', 'ep0-ba4', 'ep0-ba2']);
    await pruneCheckpoints(save, 2);
    await removeTemporaries(save);
    expect(readdirSync(save).sort()).toEqual(['ep0-ba4', 'ep1-ba10', 'metrics.jsonl']);
    await writeFileAtomic(join(save, 'metrics.jsonl'), 'x\n');
    expect(readdirSync(save).sort()).toEqual(['ep0-ba4', 'ep1-ba10', 'metrics.jsonl']);
  });

  it('safetensors round trip exactly, in the standard layout', async () => {
    const w = tensor([1.5, -2.25, 3e-8, 7], [2, 2]);
    const b = tensor([0.1], [1]);
    const bytes = await encodeSafetensors({ w, b });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    expect(header.b!.data_offsets).toEqual([0, 4]); // ascending name order
    expect(header.w!.data_offsets).toEqual([4, 20]);
    const back = decodeSafetensors(bytes, 'x');
    expect(Array.from(await back.w!.data())).toEqual(Array.from(await w.data()));
    expect(back.w!.shape).toEqual([2, 2]);
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 2), 'x')).toThrow(/runs past the end/);
  });
});
