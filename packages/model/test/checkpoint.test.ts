/**
 * Checkpoint folders: byte-stable save(load(x)) for the fixtures, F16/BF16 weight files, sharded
 * checkpoints, atomic writes, and name/shape mismatches reported by name.
 */
import { mkdtemp, readdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CheckpointFormatError, CheckpointMismatchError, encodeFloats, InsufficientMemoryError, MPTForCausalLM, serializeSafetensors, type WeightDType,
} from '../src/index.js';
import { fixtureDir, maxAbsDiff, NAMES, readFixture, readTensors } from './fixtures.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-model-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A copy of fixture `name` whose weights are stored as `dtype`. */
async function convertedFixture(name: string, dtype: WeightDType): Promise<string> {
  const dir = await tempDir();
  await copyFile(join(fixtureDir(name), 'config.json'), join(dir, 'config.json'));
  const records = [...readTensors(name, 'model.safetensors')].map(([key, t]) => ({ name: key, dtype, shape: t.shape, bytes: encodeFloats(dtype, t.data) }));
  await writeFile(join(dir, 'model.safetensors'), serializeSafetensors(records));
  return dir;
}

describe('savePretrained(fromPretrained(x))', () => {
  it.each(NAMES)('is byte-identical for fixture %s', async (name) => {
    const model = await MPTForCausalLM.fromPretrained(fixtureDir(name));
    const out = await tempDir();
    await model.savePretrained(out);
    const original = await readFile(join(fixtureDir(name), 'model.safetensors'));
    const saved = await readFile(join(out, 'model.safetensors'));
    expect(Buffer.compare(saved, original)).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['config.json', 'model.safetensors']); // no temporary files left
    const again = await MPTForCausalLM.fromPretrained(out);
    expect(again.config).toEqual(model.config);
    model.dispose();
    again.dispose();
  });

  it.each(['F16', 'BF16'] as const)('round-trips %s weight files byte for byte', async (dtype) => {
    const dir = await convertedFixture('A', dtype);
    const model = await MPTForCausalLM.fromPretrained(dir);
    const out = await tempDir();
    await model.savePretrained(out);
    expect(Buffer.compare(await readFile(join(out, 'model.safetensors')), await readFile(join(dir, 'model.safetensors')))).toBe(0);
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).torch_dtype).toBe(dtype === 'F16' ? 'float16' : 'bfloat16');
    model.dispose();
  });
});

describe('16-bit weight files', () => {
  it.each(['F16', 'BF16'] as const)('load %s weights (the file dtype governs, whatever config.torch_dtype says)', async (dtype) => {
    const fixture = readFixture('A');
    const dir = await convertedFixture('A', dtype);
    const reference = await MPTForCausalLM.fromPretrained(fixtureDir('A'));
    const expected = await reference.forward(fixture.input_ids).logits.data();
    for (const load of ['float32', 'auto'] as const) {
      const model = await MPTForCausalLM.fromPretrained(dir, { dtype: load });
      expect(model.parameters()['transformer.wte.weight']!.dtype).toBe(load === 'auto' ? (dtype === 'F16' ? 'float16' : 'bfloat16') : 'float32');
      const got = await model.forward(fixture.input_ids).logits.data();
      // Rounding the weights (and, with 'auto', every op's result) to 16 bits moves the logits a little.
      const error = maxAbsDiff(got, expected);
      expect(error).toBeLessThan(dtype === 'F16' ? 2e-2 : 1e-1);
      model.dispose();
    }
    reference.dispose();
  });

  it('saves in a requested dtype', async () => {
    const model = await MPTForCausalLM.fromPretrained(fixtureDir('B'));
    const out = await tempDir();
    await model.savePretrained(out, { dtype: 'bfloat16' });
    const reloaded = await MPTForCausalLM.fromPretrained(out);
    expect(reloaded.savedDType('transformer.wte.weight')).toBe('BF16');
    model.dispose();
    reloaded.dispose();
  });
});

describe('sharded checkpoints', () => {
  it('saves shards with an index and loads them back identically', async () => {
    const model = await MPTForCausalLM.fromPretrained(fixtureDir('C'));
    const out = await tempDir();
    await model.savePretrained(out); // first as one file: the sharded save must remove it
    await model.savePretrained(out, { maxShardBytes: 30_000 });
    const files = (await readdir(out)).sort();
    expect(files).toContain('model.safetensors.index.json');
    expect(files).not.toContain('model.safetensors');
    const shards = files.filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f));
    expect(shards.length).toBeGreaterThan(2);
    const index = JSON.parse(await readFile(join(out, 'model.safetensors.index.json'), 'utf8'));
    expect(Object.keys(index.weight_map).sort()).toEqual(model.parameterNames().sort());
    expect(index.metadata.total_size).toBe(100368 - 8 - 1416);
    const reloaded = await MPTForCausalLM.fromPretrained(out);
    const ids = readFixture('C').input_ids;
    expect(maxAbsDiff(await reloaded.forward(ids).logits.data(), await model.forward(ids).logits.data())).toBe(0);
    // Back to a single file: the shards and index go away.
    await reloaded.savePretrained(out);
    expect((await readdir(out)).sort()).toEqual(['config.json', 'model.safetensors']);
    model.dispose();
    reloaded.dispose();
  });

  it('rejects an index that points outside the folder', async () => {
    const dir = await tempDir();
    await copyFile(join(fixtureDir('A'), 'config.json'), join(dir, 'config.json'));
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'transformer.wte.weight': '../model.safetensors' } }));
    await expect(MPTForCausalLM.fromPretrained(dir)).rejects.toThrow(CheckpointFormatError);
  });
});

describe('mismatches and limits', () => {
  it('reports missing, unexpected and mis-shaped tensors by name and shape', async () => {
    const dir = await tempDir();
    await copyFile(join(fixtureDir('A'), 'config.json'), join(dir, 'config.json'));
    const tensors = readTensors('A', 'model.safetensors');
    const records = [...tensors]
      .filter(([key]) => key !== 'transformer.norm_f.weight')
      .map(([key, t]) => ({ name: key, dtype: 'F32' as const, shape: key === 'transformer.blocks.1.norm_2.weight' ? [4, 8] : t.shape, bytes: encodeFloats('F32', t.data) }));
    records.push({ name: 'transformer.blocks.0.attn.Wqkv.bias', dtype: 'F32', shape: [96], bytes: encodeFloats('F32', new Float32Array(96)) });
    await writeFile(join(dir, 'model.safetensors'), serializeSafetensors(records));
    const error = await MPTForCausalLM.fromPretrained(dir).catch((e: unknown) => e);
    expect(CheckpointMismatchError.isInstance(error)).toBe(true);
    const mismatch = error as CheckpointMismatchError;
    expect(mismatch.missing).toEqual([{ name: 'transformer.norm_f.weight', expected: [32] }]);
    expect(mismatch.unexpected).toEqual([{ name: 'transformer.blocks.0.attn.Wqkv.bias', found: [96] }]);
    expect(mismatch.misshaped).toEqual([{ name: 'transformer.blocks.1.norm_2.weight', expected: [32], found: [4, 8] }]);
    expect(mismatch.message).toContain('transformer.norm_f.weight [32]');
  });

  it('accepts a Composer "model." prefix and a duplicate lm_head.weight of tied embeddings', async () => {
    const dir = await tempDir();
    await copyFile(join(fixtureDir('A'), 'config.json'), join(dir, 'config.json'));
    const tensors = readTensors('A', 'model.safetensors');
    const records = [...tensors].map(([key, t]) => ({ name: `model.${key}`, dtype: 'F32' as const, shape: t.shape, bytes: encodeFloats('F32', t.data) }));
    const wte = tensors.get('transformer.wte.weight')!;
    records.push({ name: 'model.lm_head.weight', dtype: 'F32', shape: wte.shape, bytes: encodeFloats('F32', wte.data) });
    await writeFile(join(dir, 'model.safetensors'), serializeSafetensors(records));
    const model = await MPTForCausalLM.fromPretrained(dir);
    expect(model.parameterNames()).not.toContain('lm_head.weight');
    model.dispose();
  });

  it('refuses to load when the parameters exceed the memory limit, before reading data', async () => {
    let estimate = 0;
    const error = await MPTForCausalLM.fromPretrained(fixtureDir('A'), { memoryLimitBytes: 1000, onMemoryEstimate: (b) => (estimate = b) }).catch((e: unknown) => e);
    expect(InsufficientMemoryError.isInstance(error)).toBe(true);
    expect(estimate).toBe(108560 - 8 - 1416);
  });

  it('names the folder when there are no weights', async () => {
    const dir = await tempDir();
    await copyFile(join(fixtureDir('A'), 'config.json'), join(dir, 'config.json'));
    await expect(MPTForCausalLM.fromPretrained(dir)).rejects.toThrow(/no model\.safetensors, pytorch_model\.bin/);
  });

  it('loads from in-memory buffers (browser path)', async () => {
    const fixture = readFixture('B');
    const config = JSON.parse(await readFile(join(fixtureDir('B'), 'config.json'), 'utf8'));
    const bytes = await readFile(join(fixtureDir('B'), 'model.safetensors'));
    const model = await MPTForCausalLM.fromBuffers(config, [new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);
    expect(maxAbsDiff(await model.forward(fixture.input_ids).logits.data(), fixture.logits.data)).toBeLessThanOrEqual(1e-5);
    model.dispose();
  });
});
