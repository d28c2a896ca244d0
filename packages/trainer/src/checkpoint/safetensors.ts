/**
 * A small safetensors writer and reader for the trainer's own files (weights when the model has
 * no `save`, and optimizer state). Standard layout: 8-byte little-endian header length N, N
 * bytes of JSON padded with spaces to a multiple of 8, then the tensors' little-endian bytes,
 * contiguous in ascending name order. F32 is written; F32, F16 and BF16 are read (as float32).
 *
 * The trainer does not import `@tessera/model` (its safetensors IO is richer: sharding, lazy
 * reads); models that have their own format pass it through `Trainable.save`/`load`.
 */
import { bfloat16BitsToFloat, halfBitsToFloat, tensor, type Tensor } from '@tessera/tensor';
import { CheckpointIntegrityError } from '../errors.js';

const ITEM_BYTES = { F32: 4, F16: 2, BF16: 2 } as const;

/**
 * Serialise float tensors (read from their backend) into safetensors bytes.
 *
 * @example
 * ```ts
 * await writeFile('optimizer.safetensors', await encodeSafetensors(optimizer.stateDict().tensors));
 * ```
 */
export async function encodeSafetensors(tensors: Readonly<Record<string, Tensor>>, metadata: Record<string, string> = { format: 'pt' }): Promise<Uint8Array> {
  const names = Object.keys(tensors).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const values = Float32Array.from(await t.data());
    const bytes = new Uint8Array(values.byteLength);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded + offset).fill(0x20, 8, 8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  let cursor = 8 + padded;
  for (const c of chunks) {
    out.set(c, cursor);
    cursor += c.byteLength;
  }
  return out;
}

/**
 * Parse safetensors bytes into float32 tensors by name (F32, F16, BF16).
 *
 * @example
 * ```ts
 * const tensors = decodeSafetensors(await readFile('model.safetensors'), 'model.safetensors');
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, file: string): Record<string, Tensor> {
  const fail = (detail: string): never => {
    throw new CheckpointIntegrityError(file, detail);
  };
  if (bytes.byteLength < 8) fail('too short for a safetensors header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.byteLength) fail(`header length ${n} runs past the end of the file`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as typeof header;
  } catch (cause) {
    return fail(`header is not JSON (${(cause as Error).message})`);
  }
  const data = 8 + n;
  const out: Record<string, Tensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const item = ITEM_BYTES[entry.dtype as keyof typeof ITEM_BYTES];
    if (!item) fail(`tensor ${name} has unsupported dtype ${entry.dtype}`);
    const [begin, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * item || data + end > bytes.byteLength) fail(`tensor ${name} has ${end - begin} bytes of data, or runs past the end`);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const at = data + begin + i * item;
      values[i] = entry.dtype === 'F32' ? view.getFloat32(at, true)
        : entry.dtype === 'F16' ? halfBitsToFloat(view.getUint16(at, true)) : bfloat16BitsToFloat(view.getUint16(at, true));
    }
    out[name] = tensor(values, entry.shape);
  }
  return out;
}
