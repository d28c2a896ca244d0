/**
 * Hugging Face checkpoint folders on disk (Node): `config.json` plus `model.safetensors`,
 * `model.safetensors.index.json` with its shards, or the same two for zip-format
 * `pytorch_model.bin`. Loading reads headers first, checks names, shapes and the memory
 * estimate, then reads one tensor at a time. Saving writes safetensors, every file atomically,
 * and removes weight files of an older layout that would shadow the new one.
 */
import { readFile, mkdir, readdir } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '@tessera/tensor';
import { configFromHF, configToHF } from '../config/hf-config.js';
import { createConfig, type MPTConfig, type MPTConfigInput } from '../config/mpt-config.js';
import { CheckpointFormatError, InsufficientMemoryError, MPTConfigError } from '../errors.js';
import { parameterSpecs } from '../model/parameters.js';
import { exists, openRandomAccess, openSafetensorsFile, readShardIndex, removeFiles, writeFileAtomic, writeSafetensorsFile, type LazyTensorRecord } from './files.js';
import { locateTensors, matchParameters, readParameters, type LoadDType } from './load.js';
import { safetensorsOrder, type TensorSource } from './safetensors.js';
import { openTorchBin } from './torch-bin.js';
import { encodeFloats, SAFETENSORS_DTYPES, weightDTypeOf, type WeightDType } from './tensor-bytes.js';

/**
 * Options of `MPTForCausalLM.fromPretrained`.
 *
 * @example
 * ```ts
 * await MPTForCausalLM.fromPretrained(dir, { dtype: 'bfloat16', memoryLimitBytes: 16 * 2 ** 30 });
 * ```
 */
export interface LoadOptions {
  /** What the parameters are stored as: 'float32' (default), a 16-bit dtype, or 'auto' (the file's). */
  readonly dtype?: LoadDType;
  /** Refuse to load when the parameters need more bytes (default: the machine's total memory). */
  readonly memoryLimitBytes?: number;
  /** Called with the parameter bytes before any tensor data is read. */
  readonly onMemoryEstimate?: (parameterBytes: number) => void;
  /** Config fields to override, e.g. `{ maxSeqLen: 8192 }`. */
  readonly configOverrides?: MPTConfigInput;
}

/** Read and translate `config.json` from a checkpoint folder. */
export async function readConfig(dir: string, overrides: MPTConfigInput = {}): Promise<MPTConfig> {
  const path = join(dir, 'config.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new MPTConfigError('config.json', `cannot read ${path}: ${(cause as Error).message}`, 'a checkpoint folder holds config.json beside the weights');
  }
  const config = configFromHF(json);
  return Object.keys(overrides).length ? createConfig({ ...config, ...overrides, attnConfig: { ...config.attnConfig, ...overrides.attnConfig }, initConfig: { ...config.initConfig, ...overrides.initConfig } }) : config;
}

/** Open the sources listed by a shard index, checking that each shard holds what the index says. */
async function openSharded(dir: string, indexPath: string, open: (path: string) => Promise<TensorSource>): Promise<TensorSource[]> {
  const index = await readShardIndex(indexPath);
  const shards = [...new Set(Object.values(index.weight_map))].sort();
  const sources: TensorSource[] = [];
  try {
    for (const shard of shards) sources.push(await open(join(dir, shard)));
    for (const [name, shard] of Object.entries(index.weight_map)) {
      const source = sources.find((s) => s.file === join(dir, shard))!;
      if (!source.header.entries.has(name)) throw new CheckpointFormatError(source.file, 'the index maps this tensor to this shard but the shard lacks it', name);
    }
  } catch (error) {
    await Promise.all(sources.map((s) => s.close()));
    throw error;
  }
  return sources;
}

async function openTorchFile(path: string): Promise<TensorSource> {
  const access = await openRandomAccess(path);
  try {
    return await openTorchBin(access, path);
  } catch (error) {
    await access.close();
    throw error;
  }
}

/**
 * Open the weight files of a checkpoint folder (headers only), preferring safetensors:
 * model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json.
 */
export async function openWeights(dir: string): Promise<TensorSource[]> {
  const candidates: [string, (path: string) => Promise<TensorSource[]>][] = [
    ['model.safetensors', async (p) => [await openSafetensorsFile(p)]],
    ['model.safetensors.index.json', (p) => openSharded(dir, p, openSafetensorsFile)],
    ['pytorch_model.bin', async (p) => [await openTorchFile(p)]],
    ['pytorch_model.bin.index.json', (p) => openSharded(dir, p, openTorchFile)],
  ];
  for (const [name, open] of candidates) {
    const path = join(dir, name);
    if (await exists(path)) return open(path);
  }
  throw new CheckpointFormatError(dir, 'no model.safetensors, pytorch_model.bin or their .index.json in this folder');
}

function bytesOf(dtype: LoadDType, fileDType: string, count: number): number {
  if (dtype === 'auto') return count * (fileDType === 'F16' || fileDType === 'BF16' ? 2 : 4);
  return count * (dtype === 'float32' ? 4 : 2);
}

/**
 * Load config and parameters from a checkpoint folder.
 *
 * @example
 * ```ts
 * const { config, params } = await loadPretrained('ckpt');
 * ```
 */
export async function loadPretrained(dir: string, options: LoadOptions = {}):
  Promise<{ config: MPTConfig; params: Map<string, Tensor>; fileDTypes: Map<string, WeightDType> }> {
  const config = await readConfig(dir, options.configOverrides);
  const sources = await openWeights(dir);
  try {
    const located = locateTensors(sources);
    const specs = parameterSpecs(config);
    matchParameters(specs, located, config.tieWordEmbeddings);
    const dtype = options.dtype ?? 'float32';
    const bytes = specs.reduce((sum, s) => sum + bytesOf(dtype, located.get(s.name)!.entry.dtype, s.shape.reduce((a, b) => a * b, 1)), 0);
    options.onMemoryEstimate?.(bytes);
    const limit = options.memoryLimitBytes ?? totalmem();
    if (bytes > limit) throw new InsufficientMemoryError(bytes, limit, `the parameters of ${dir} in ${dtype}`);
    const { params, fileDTypes } = await readParameters(specs, located, dtype);
    return { config, params, fileDTypes };
  } finally {
    await Promise.all(sources.map((s) => s.close()));
  }
}

/**
 * Options of `model.savePretrained`.
 *
 * @example
 * ```ts
 * await model.savePretrained('out', { dtype: 'bfloat16', maxShardBytes: 2 * 2 ** 30 });
 * ```
 */
export interface SaveOptions {
  /** 'auto' (default): each parameter in the dtype it was loaded from (float32 for new ones). */
  readonly dtype?: 'auto' | 'float32' | 'float16' | 'bfloat16';
  /** Split into shards of at most this many bytes (default 5e9, as transformers). */
  readonly maxShardBytes?: number;
}

const SHARD = /^model-\d{5}-of-\d{5}\.safetensors$/;

/**
 * Write config.json and the weights (one file, or shards plus an index) into `dir`.
 *
 * @example
 * ```ts
 * await savePretrainedFiles('out', config, params, fileDTypes);
 * ```
 */
export async function savePretrainedFiles(dir: string, config: MPTConfig, params: ReadonlyMap<string, Tensor>,
  fileDTypes: ReadonlyMap<string, WeightDType>, options: SaveOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const records: LazyTensorRecord[] = [...params].map(([name, t]) => {
    const dtype = options.dtype && options.dtype !== 'auto' ? weightDTypeOf(options.dtype) : fileDTypes.get(name) ?? weightDTypeOf(t.dtype);
    return { name, dtype, shape: [...t.shape], byteLength: t.size * SAFETENSORS_DTYPES[dtype], bytes: async () => encodeFloats(dtype, await t.data()) };
  });
  const maxShard = options.maxShardBytes ?? 5e9;
  const shards: LazyTensorRecord[][] = [[]];
  let current = 0;
  for (const r of records) {
    if (current > 0 && current + r.byteLength > maxShard) {
      shards.push([]);
      current = 0;
    }
    shards[shards.length - 1]!.push(r);
    current += r.byteLength;
  }
  const counts = new Map<WeightDType, number>();
  for (const r of records) counts.set(r.dtype as WeightDType, (counts.get(r.dtype as WeightDType) ?? 0) + r.byteLength);
  const main = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'F32';
  const hf = { ...configToHF(config), torch_dtype: main === 'F16' ? 'float16' : main === 'BF16' ? 'bfloat16' : 'float32' };
  await writeFileAtomic(join(dir, 'config.json'), [new TextEncoder().encode(`${JSON.stringify(hf, null, 2)}\n`)]);
  const existing = await readdir(dir);
  if (shards.length === 1) {
    await writeSafetensorsFile(join(dir, 'model.safetensors'), safetensorsOrder(records), { format: 'pt' });
    await removeFiles(dir, existing.filter((f) => SHARD.test(f) || f === 'model.safetensors.index.json'));
    return;
  }
  const names = shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`);
  const weightMap: Record<string, string> = {};
  for (const [i, shard] of shards.entries()) {
    await writeSafetensorsFile(join(dir, names[i]!), safetensorsOrder(shard), { format: 'pt' });
    for (const r of shard) weightMap[r.name] = names[i]!;
  }
  const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const index = { metadata: { total_size: records.reduce((s, r) => s + r.byteLength, 0) }, weight_map: sorted };
  await writeFileAtomic(join(dir, 'model.safetensors.index.json'), [new TextEncoder().encode(`${JSON.stringify(index, null, 2)}\n`)]);
  await removeFiles(dir, existing.filter((f) => (SHARD.test(f) && !names.includes(f)) || f === 'model.safetensors'));
}
