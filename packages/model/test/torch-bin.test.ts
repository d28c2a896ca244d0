/**
 * pytorch_model.bin checkpoints (zip format, restricted unpickler): single and sharded, ZIP64,
 * F32/F16/BF16 storages, strided and offset views; hostile pickles and corrupt archives fail
 * with CheckpointFormatError and never execute anything.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator } from '@tessera/tensor';
import { CheckpointFormatError, encodeFloats, MPTForCausalLM, type WeightDType } from '../src/index.js';
import { bufferAccess } from '../src/checkpoint/zip.js';
import { openTorchBin } from '../src/checkpoint/torch-bin.js';
import { fixtureDir, maxAbsDiff, readFixture, readTensors } from './fixtures.js';
import { statePickle, torchSave, type TorchTensor } from './torch-zip.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function checkpointDir(files: Record<string, Uint8Array | string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bin-'));
  dirs.push(dir);
  await copyFile(join(fixtureDir('A'), 'config.json'), join(dir, 'config.json'));
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  return dir;
}

const STORAGE = { F32: 'FloatStorage', F16: 'HalfStorage', BF16: 'BFloat16Storage' } as const;
const rowMajor = (shape: readonly number[]): number[] => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

/** Fixture A's weights as torch tensors; Wqkv of block 0 stored transposed (a strided view). */
function fixtureTensors(dtype: WeightDType, names?: (name: string) => boolean): TorchTensor[] {
  return [...readTensors('A', 'model.safetensors')].filter(([name]) => names?.(name) ?? true).map(([name, t], i) => {
    if (name === 'transformer.blocks.0.attn.Wqkv.weight') {
      const [rows, cols] = t.shape as [number, number];
      const transposed = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) transposed[c * rows + r] = t.data[r * cols + c]!;
      return { name, storageType: STORAGE[dtype], key: String(i), storage: encodeFloats(dtype, transposed), storageNumel: rows * cols, offset: 0, shape: [rows, cols], stride: [1, rows] };
    }
    return { name, storageType: STORAGE[dtype], key: String(i), storage: encodeFloats(dtype, t.data), storageNumel: t.data.length, offset: 0, shape: [...t.shape], stride: rowMajor(t.shape) };
  });
}

describe('pytorch_model.bin', () => {
  const fixture = readFixture('A');

  it('loads a single F32 file (with a strided tensor) and matches the fixture logits', async () => {
    const model = await MPTForCausalLM.fromPretrained(await checkpointDir({ 'pytorch_model.bin': torchSave(fixtureTensors('F32')) }));
    expect(maxAbsDiff(await model.forward(fixture.input_ids).logits.data(), fixture.logits.data)).toBeLessThanOrEqual(1e-5);
    model.dispose();
  });

  it('loads BF16 storages like the same BF16 safetensors, and saves them back as BF16 safetensors', async () => {
    const model = await MPTForCausalLM.fromPretrained(await checkpointDir({ 'pytorch_model.bin': torchSave(fixtureTensors('BF16'), { root: 'pytorch_model' }) }));
    const records = [...readTensors('A', 'model.safetensors')].map(([name, t]) => ({ name, dtype: 'BF16' as const, shape: t.shape, bytes: encodeFloats('BF16', t.data) }));
    const { serializeSafetensors } = await import('../src/index.js');
    const reference = await MPTForCausalLM.fromPretrained(await checkpointDir({ 'model.safetensors': serializeSafetensors(records) }));
    expect(maxAbsDiff(await model.forward(fixture.input_ids).logits.data(), await reference.forward(fixture.input_ids).logits.data())).toBe(0);
    const out = await checkpointDir({});
    await model.savePretrained(out);
    const again = await MPTForCausalLM.fromPretrained(out);
    expect(again.savedDType('transformer.wte.weight')).toBe('BF16');
    model.dispose();
    reference.dispose();
    again.dispose();
  });

  it('loads sharded files with an index (one shard written with ZIP64 records)', async () => {
    const inFirst = (n: string): boolean => n.includes('blocks.0') || n.includes('wte');
    const first = torchSave(fixtureTensors('F16', inFirst), { zip64: true });
    const second = torchSave(fixtureTensors('F16', (n) => !inFirst(n)));
    const weightMap = Object.fromEntries(fixtureTensors('F16').map((t) => [t.name, inFirst(t.name) ? 'pytorch_model-00001-of-00002.bin' : 'pytorch_model-00002-of-00002.bin']));
    const dir = await checkpointDir({
      'pytorch_model-00001-of-00002.bin': first, 'pytorch_model-00002-of-00002.bin': second,
      'pytorch_model.bin.index.json': JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }),
    });
    const model = await MPTForCausalLM.fromPretrained(dir);
    expect(maxAbsDiff(await model.forward(fixture.input_ids).logits.data(), fixture.logits.data)).toBeLessThan(5e-3);
    model.dispose();
  });

  it('loads from in-memory bytes (browser path)', async () => {
    const { readFile } = await import('node:fs/promises');
    const config = JSON.parse(await readFile(join(fixtureDir('A'), 'config.json'), 'utf8'));
    const model = await MPTForCausalLM.fromBuffers(config, [torchSave(fixtureTensors('F32'))]);
    expect(maxAbsDiff(await model.forward(fixture.input_ids).logits.data(), fixture.logits.data)).toBeLessThanOrEqual(1e-5);
    model.dispose();
  });

  it('reads views with a storage offset into a shared storage', async () => {
    const values = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const storage = encodeFloats('F32', values);
    const tensors: TorchTensor[] = [
      { name: 'a', storageType: 'FloatStorage', key: 's', storage, storageNumel: 10, offset: 2, shape: [2, 3], stride: [3, 1] },
      { name: 'b', storageType: 'FloatStorage', key: 's', storage, storageNumel: 10, offset: 1, shape: [3, 2], stride: [1, 3] },
    ];
    const source = await openTorchBin(bufferAccess(torchSave(tensors)), 'x.bin');
    expect(Array.from(new Float32Array((await source.read('a')).buffer))).toEqual([2, 3, 4, 5, 6, 7]);
    expect(Array.from(new Float32Array((await source.read('b')).buffer))).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it.each([
    ['a call to os.system', [0x63, ...new TextEncoder().encode('os\nsystem\n'), 0x58, 2, 0, 0, 0, 0x6c, 0x73, 0x85, 0x52], /os\.system is not allowed/],
    ['builtins.eval via STACK_GLOBAL', [0x8c, 8, ...new TextEncoder().encode('builtins'), 0x8c, 4, ...new TextEncoder().encode('eval'), 0x93], /builtins\.eval is not allowed/],
    ['an unsupported opcode (INST)', [0x69], /opcode 0x69/],
  ])('rejects a pickle with %s without running it', async (_, extra, message) => {
    const bytes = torchSave(fixtureTensors('F32').slice(0, 1), { pickle: statePickle([], extra as number[]) });
    await expect(openTorchBin(bufferAccess(bytes), 'evil.bin')).rejects.toThrow(message);
  });

  it('fuzz: random corruption gives CheckpointFormatError, never a crash or a huge allocation', async () => {
    const clean = torchSave(fixtureTensors('F32'));
    const g = new Generator(99);
    let rejected = 0;
    for (let trial = 0; trial < 300; trial++) {
      const bytes = clean.slice(0, trial % 5 === 0 ? Math.floor(g.nextDouble() * clean.byteLength) : clean.byteLength);
      for (let f = 0; f < 1 + Math.floor(g.nextDouble() * 6); f++) {
        // Aim at the structure: the pickle near the start and the directory at the end.
        const region = g.nextDouble();
        const at = region < 0.4 ? Math.floor(g.nextDouble() * 2500) : region < 0.8 ? bytes.byteLength - 1 - Math.floor(g.nextDouble() * 3000) : Math.floor(g.nextDouble() * bytes.byteLength);
        if (at >= 0 && at < bytes.byteLength) bytes[at] = Math.floor(g.nextDouble() * 256);
      }
      try {
        const source = await openTorchBin(bufferAccess(bytes), 'fuzz.bin');
        for (const name of source.header.entries.keys()) await source.read(name);
      } catch (error) {
        expect(CheckpointFormatError.isInstance(error), String(error)).toBe(true);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(50);
  });
});
