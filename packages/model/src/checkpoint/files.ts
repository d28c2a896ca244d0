/**
 * Node file IO for checkpoints: a lazy safetensors reader over a file handle (one positioned
 * read per tensor, so a multi-GB file is never loaded whole), a streaming writer, sharded
 * indexes, and atomic writes (temporary file + rename). Imported dynamically by the model so the
 * package's entry point stays browser-safe.
 */
import { open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CheckpointFormatError } from '../errors.js';
import { parseSafetensorsHeader, safetensorsHeaderLength, safetensorsHeaderBytes, type SafetensorsHeader, type TensorSource } from './safetensors.js';
import type { SafetensorsDType } from './tensor-bytes.js';
import type { RandomAccess } from './zip.js';

/** A safetensors file read lazily through a file handle. */
class SafetensorsFile implements TensorSource {
  constructor(
    readonly file: string,
    readonly header: SafetensorsHeader,
    private readonly handle: FileHandle,
  ) {}

  async read(name: string): Promise<Uint8Array> {
    const entry = this.header.entries.get(name);
    if (!entry) throw new CheckpointFormatError(this.file, 'no such tensor', name);
    const out = new Uint8Array(entry.end - entry.begin);
    let done = 0;
    while (done < out.byteLength) {
      const { bytesRead } = await this.handle.read(out, done, out.byteLength - done, entry.begin + done);
      if (bytesRead === 0) throw new CheckpointFormatError(this.file, 'file ended while reading tensor data (truncated?)', name, entry.shape);
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

async function readExactly(handle: FileHandle, file: string, length: number, position: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) throw new CheckpointFormatError(file, `file ended after ${position + done} bytes`);
    done += bytesRead;
  }
  return out;
}

/**
 * Open a safetensors file: read and validate only its header; tensors are read on demand.
 *
 * @example
 * ```ts
 * const source = await openSafetensorsFile('model.safetensors');
 * const bytes = await source.read('transformer.norm_f.weight');
 * await source.close();
 * ```
 */
export async function openSafetensorsFile(path: string): Promise<TensorSource> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const first8 = await readExactly(handle, path, Math.min(8, size), 0);
    const n = safetensorsHeaderLength(first8, size, path);
    const head = new Uint8Array(8 + n);
    head.set(first8, 0);
    head.set(await readExactly(handle, path, n, 8), 8);
    return new SafetensorsFile(path, parseSafetensorsHeader(head, size, path), handle);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Random access to a file through a handle (for ZIP-format PyTorch checkpoints).
 *
 * @example
 * ```ts
 * const access = await openRandomAccess('pytorch_model.bin');
 * const bytes = await access.read(0, 4);
 * await access.close();
 * ```
 */
export async function openRandomAccess(path: string): Promise<RandomAccess & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    read: (offset, length) => readExactly(handle, path, length, offset),
    close: () => handle.close(),
  };
}

/** A unique temporary name beside `path`. */
function temporaryPath(path: string): string {
  return `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Write a file atomically: the bytes go to a temporary file beside it, which is flushed and then
 * renamed over `path`, so readers see the old file or the complete new one.
 *
 * @example
 * ```ts
 * await writeFileAtomic('config.json', [new TextEncoder().encode(text)]);
 * ```
 */
export async function writeFileAtomic(path: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
  const tmp = temporaryPath(path);
  const handle = await open(tmp, 'w');
  try {
    for await (const chunk of chunks) {
      let done = 0;
      while (done < chunk.byteLength) done += (await handle.write(chunk, done, chunk.byteLength - done)).bytesWritten;
    }
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * A tensor to write, whose bytes are produced when the writer reaches it (one tensor in memory
 * at a time).
 */
export interface LazyTensorRecord {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly byteLength: number;
  bytes(): Promise<Uint8Array>;
}

/**
 * Write a safetensors file atomically, streaming tensors in the given order.
 *
 * @example
 * ```ts
 * await writeSafetensorsFile('model.safetensors', safetensorsOrder(records), { format: 'pt' });
 * ```
 */
export async function writeSafetensorsFile(path: string, ordered: readonly LazyTensorRecord[], metadata: Record<string, string> | null): Promise<void> {
  const header = safetensorsHeaderBytes(ordered, ordered.map((r) => r.byteLength), metadata);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield header;
    for (const r of ordered) {
      const bytes = await r.bytes();
      if (bytes.byteLength !== r.byteLength) throw new CheckpointFormatError(path, `produced ${bytes.byteLength} bytes, expected ${r.byteLength}`, r.name, r.shape);
      yield bytes;
    }
  }
  await writeFileAtomic(path, chunks());
}

/**
 * The `*.index.json` of a sharded checkpoint.
 *
 * @example
 * ```ts
 * const index: ShardIndex = { metadata: { total_size: 1234 }, weight_map: { 'transformer.wte.weight': 'model-00001-of-00002.safetensors' } };
 * ```
 */
export interface ShardIndex {
  readonly metadata?: { readonly total_size?: number } & Record<string, unknown>;
  readonly weight_map: Readonly<Record<string, string>>;
}

/**
 * Read and validate a shard index: every shard is a plain file name in the same folder.
 *
 * @example
 * ```ts
 * const { weight_map } = await readShardIndex('ckpt/model.safetensors.index.json');
 * ```
 */
export async function readShardIndex(path: string): Promise<ShardIndex> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new CheckpointFormatError(path, `index is not valid JSON (${(cause as Error).message})`);
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new CheckpointFormatError(path, 'index has no weight_map object');
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== 'string' || shard !== basename(shard) || shard === '..' || shard === '.' || shard.length === 0) {
      throw new CheckpointFormatError(path, `shard ${JSON.stringify(shard)} must be a file name in the checkpoint folder`, name);
    }
  }
  return json as ShardIndex;
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Remove files in `dir` (best effort). */
export async function removeFiles(dir: string, names: readonly string[]): Promise<void> {
  await Promise.all(names.map((name) => rm(join(dir, name), { force: true })));
}
