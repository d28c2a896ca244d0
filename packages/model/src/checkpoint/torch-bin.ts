/**
 * PyTorch `pytorch_model.bin` (zip format) as a {@link TensorSource}: `<root>/data.pkl` is read
 * with the restricted unpickler; each tensor's bytes come from its storage entry
 * `<root>/data/<key>` on demand (contiguous tensors are one positioned read; strided ones are
 * gathered). Storage types map to dtypes: Float -> F32, Half -> F16, BFloat16 -> BF16, Double -> F64.
 */
import { CheckpointFormatError } from '../errors.js';
import { TensorRef, unpickle } from './pickle.js';
import type { SafetensorsEntry, SafetensorsHeader, TensorSource } from './safetensors.js';
import { SAFETENSORS_DTYPES, type SafetensorsDType } from './tensor-bytes.js';
import { entryDataOffset, readEntry, readZipDirectory, type RandomAccess } from './zip.js';

const STORAGE_DTYPES: Record<string, SafetensorsDType> = {
  'torch.FloatStorage': 'F32', 'torch.HalfStorage': 'F16', 'torch.BFloat16Storage': 'BF16', 'torch.DoubleStorage': 'F64',
  'torch.LongStorage': 'I64', 'torch.IntStorage': 'I32', 'torch.ShortStorage': 'I16', 'torch.CharStorage': 'I8',
  'torch.ByteStorage': 'U8', 'torch.BoolStorage': 'BOOL',
};

/** Largest data.pkl accepted: a state dict's pickle is metadata only. */
const MAX_PICKLE_BYTES = 512 * 2 ** 20;

interface Located {
  readonly ref: TensorRef;
  readonly itemSize: number;
  /** File offset of storage element 0. */
  readonly storageStart: number;
  readonly contiguous: boolean;
}

function rowMajor(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

class TorchBinSource implements TensorSource {
  constructor(
    readonly file: string,
    readonly header: SafetensorsHeader,
    private readonly access: RandomAccess & { close?: () => Promise<void> },
    private readonly tensors: ReadonlyMap<string, Located>,
  ) {}

  async read(name: string): Promise<Uint8Array> {
    const t = this.tensors.get(name);
    const entry = this.header.entries.get(name);
    if (!t || !entry) throw new CheckpointFormatError(this.file, 'no such tensor', name);
    const bytes = await this.access.read(entry.begin, entry.end - entry.begin);
    if (t.contiguous) return bytes.slice();
    // Gather a strided view element by element (rare: MPT's tensors are contiguous).
    const { shape, stride } = t.ref;
    const n = shape.reduce((a, b) => a * b, 1);
    const out = new Uint8Array(n * t.itemSize);
    const index = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < n; i++) {
      let element = 0; // relative to the view's offset, where the read window starts
      for (let d = 0; d < shape.length; d++) element += index[d]! * stride[d]!;
      const from = element * t.itemSize;
      out.set(bytes.subarray(from, from + t.itemSize), i * t.itemSize);
      for (let d = shape.length - 1; d >= 0 && ++index[d]! === shape[d]; d--) index[d] = 0;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.access.close?.();
  }
}

/**
 * Open a zip-format PyTorch checkpoint: parse the directory and the pickle, locate every tensor.
 *
 * @example
 * ```ts
 * const source = await openTorchBin(bufferAccess(bytes), 'pytorch_model.bin');
 * const wte = await source.read('transformer.wte.weight');
 * ```
 */
export async function openTorchBin(access: RandomAccess & { close?: () => Promise<void> }, file: string): Promise<TensorSource> {
  const directory = await readZipDirectory(access, file);
  const pickles = [...directory.keys()].filter((n) => n.endsWith('/data.pkl') && n.split('/').length === 2);
  if (pickles.length !== 1) throw new CheckpointFormatError(file, `expected one <root>/data.pkl in the archive, found ${pickles.length}`, undefined, undefined, 'legacy (pre-1.6, non-zip) PyTorch files are not read; re-save with torch.save');
  const root = pickles[0]!.slice(0, -'data.pkl'.length);
  const order = directory.get(`${root}byteorder`);
  if (order && new TextDecoder().decode(await readEntry(access, order, file)) !== 'little') throw new CheckpointFormatError(file, 'big-endian checkpoints are not supported');
  const pkl = directory.get(pickles[0]!)!;
  if (pkl.size > MAX_PICKLE_BYTES) throw new CheckpointFormatError(file, `data.pkl of ${pkl.size} bytes is too large for a state dict`);
  const state = unpickle(await readEntry(access, pkl, file), file);
  if (!(state instanceof Map)) throw new CheckpointFormatError(file, 'data.pkl does not hold a state dict', undefined, undefined, 'save model.state_dict(), not a training checkpoint');
  const entries = new Map<string, SafetensorsEntry>();
  const tensors = new Map<string, Located>();
  const storageStarts = new Map<string, number>();
  for (const [key, value] of state) {
    if (typeof key !== 'string') throw new CheckpointFormatError(file, 'a state dict key is not a string');
    if (!(value instanceof TensorRef)) throw new CheckpointFormatError(file, 'value is not a tensor', key);
    const { storage, shape, stride, offset } = value;
    const dtype = STORAGE_DTYPES[storage.storageType];
    if (!dtype) throw new CheckpointFormatError(file, `unknown storage type ${storage.storageType}`, key, shape);
    const itemSize = SAFETENSORS_DTYPES[dtype];
    const zipEntry = directory.get(`${root}data/${storage.key}`);
    if (!zipEntry) throw new CheckpointFormatError(file, `storage '${storage.key}' is missing from the archive`, key, shape);
    if (zipEntry.size !== storage.numel * itemSize) throw new CheckpointFormatError(file, `storage '${storage.key}' holds ${zipEntry.size} bytes, expected ${storage.numel} x ${itemSize}`, key, shape);
    let storageStart = storageStarts.get(storage.key);
    if (storageStart === undefined) storageStarts.set(storage.key, (storageStart = await entryDataOffset(access, zipEntry, file)));
    const numel = shape.reduce((a, b) => a * b, 1);
    const last = numel === 0 ? offset : offset + shape.reduce((s, d, i) => s + (d - 1) * stride[i]!, 0);
    if (last >= storage.numel && numel > 0) throw new CheckpointFormatError(file, `view reaches element ${last} of a storage of ${storage.numel}`, key, shape);
    const contiguous = numel === 0 || rowMajor(shape).every((s, i) => shape[i] === 1 || s === stride[i]);
    const begin = storageStart + offset * itemSize;
    const end = contiguous ? begin + numel * itemSize : storageStart + (last + 1) * itemSize;
    entries.set(key, { name: key, dtype, shape, begin, end });
    tensors.set(key, { ref: value, itemSize, storageStart, contiguous });
  }
  return new TorchBinSource(file, { entries, metadata: null, dataStart: 0 }, access, tensors);
}
