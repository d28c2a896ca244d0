/**
 * The safetensors format, browser-safe (no Node imports): header parsing with every check the
 * reference library makes, serialisation, and a reader over an in-memory ArrayBuffer.
 *
 *   bytes 0..8      N, u64 little-endian (N <= 100,000,000)
 *   bytes 8..8+N    UTF-8 JSON: { "__metadata__"?: {str: str}, name: {dtype, shape, data_offsets: [begin, end]} }
 *   bytes 8+N..     the data section; offsets are relative to it, end exclusive, tensors tile it
 *                   without gaps or overlap, end - begin = numel * itemsize
 */
import { CheckpointFormatError } from '../errors.js';
import { SAFETENSORS_DTYPES, type SafetensorsDType } from './tensor-bytes.js';

/** The largest header accepted (the reference library's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * One tensor's record in a safetensors header. `begin`/`end` are byte offsets in the file.
 *
 * @example
 * ```ts
 * const entry: SafetensorsEntry = header.entries.get('transformer.wte.weight')!;
 * console.log(entry.dtype, entry.shape, entry.end - entry.begin);
 * ```
 */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * A parsed, validated header.
 *
 * @example
 * ```ts
 * const header = parseSafetensorsHeader(bytes, bytes.byteLength, 'model.safetensors');
 * console.log([...header.entries.keys()], header.metadata);
 * ```
 */
export interface SafetensorsHeader {
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Readonly<Record<string, string>> | null;
  /** 8 + N: where the data section starts. */
  readonly dataStart: number;
}

/**
 * N, the JSON header's byte length, from the first 8 bytes, checked against the file length.
 *
 * @example
 * ```ts
 * const n = safetensorsHeaderLength(first8Bytes, fileSize, 'model.safetensors');
 * ```
 */
export function safetensorsHeaderLength(first8: Uint8Array, fileLength: number, file: string): number {
  if (first8.byteLength < 8 || fileLength < 8) throw new CheckpointFormatError(file, `file of ${fileLength} bytes is too short for a safetensors header`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new CheckpointFormatError(file, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (Number(n) + 8 > fileLength) throw new CheckpointFormatError(file, `header length ${n} runs past the end of the ${fileLength}-byte file`);
  if (n < 2n) throw new CheckpointFormatError(file, `header length ${n} is too short for JSON`);
  return Number(n);
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Parse and validate a header. `bytes` must hold at least the first 8 + N bytes of the file.
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
 * const header = parseSafetensorsHeader(bytes, bytes.byteLength, url);
 * ```
 */
export function parseSafetensorsHeader(bytes: Uint8Array, fileLength: number, file: string): SafetensorsHeader {
  const n = safetensorsHeaderLength(bytes.subarray(0, 8), fileLength, file);
  if (bytes.byteLength < 8 + n) throw new CheckpointFormatError(file, `needs the first ${8 + n} bytes to parse the header, got ${bytes.byteLength}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch (cause) {
    throw new CheckpointFormatError(file, `header is not valid UTF-8 (${String(cause)})`);
  }
  if (!text.startsWith('{')) throw new CheckpointFormatError(file, 'header does not start with "{"');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointFormatError(file, `header is not valid JSON (${(cause as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CheckpointFormatError(file, 'header is not a JSON object');
  const dataStart = 8 + n;
  const dataLength = fileLength - dataStart;
  let metadata: Record<string, string> | null = null;
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
        throw new CheckpointFormatError(file, '__metadata__ must map strings to strings');
      }
      metadata = value as Record<string, string>;
      continue;
    }
    entries.set(name, parseEntry(file, name, value, dataStart, dataLength));
  }
  checkTiling(file, [...entries.values()], dataStart, dataLength);
  return { entries, metadata, dataStart };
}

function parseEntry(file: string, name: string, value: unknown, dataStart: number, dataLength: number): SafetensorsEntry {
  const record = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof value !== 'object' || value === null) throw new CheckpointFormatError(file, 'entry is not an object', name);
  const { dtype, shape, data_offsets: offsets } = record;
  if (typeof dtype !== 'string' || !(dtype in SAFETENSORS_DTYPES)) throw new CheckpointFormatError(file, `unknown dtype ${JSON.stringify(dtype)}`, name);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new CheckpointFormatError(file, `shape ${JSON.stringify(shape)} is not a list of non-negative integers`, name);
  }
  const dims = shape as number[];
  if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0)) {
    throw new CheckpointFormatError(file, `data_offsets ${JSON.stringify(offsets)} must be two non-negative integers`, name, dims);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin || end > dataLength) {
    throw new CheckpointFormatError(file, `data_offsets [${begin}, ${end}] lie outside the ${dataLength}-byte data section`, name, dims);
  }
  const itemSize = SAFETENSORS_DTYPES[dtype as SafetensorsDType];
  const expected = numel(dims) * itemSize;
  if (!Number.isSafeInteger(expected) || expected !== end - begin) {
    throw new CheckpointFormatError(file, `${end - begin} bytes of data for ${dtype} of this shape, which needs ${expected}`, name, dims);
  }
  return { name, dtype: dtype as SafetensorsDType, shape: dims, begin: dataStart + begin, end: dataStart + end };
}

function checkTiling(file: string, entries: SafetensorsEntry[], dataStart: number, dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = dataStart;
  for (const e of sorted) {
    if (e.begin !== cursor) {
      throw new CheckpointFormatError(file, e.begin < cursor ? 'tensor data overlaps the previous tensor' : `a gap of ${e.begin - cursor} bytes precedes this tensor`, e.name, e.shape);
    }
    cursor = e.end;
  }
  if (cursor !== dataStart + dataLength) {
    throw new CheckpointFormatError(file, `tensors cover ${cursor - dataStart} bytes but the data section has ${dataLength} (truncated or trailing data)`);
  }
}

/**
 * A tensor to serialise: its name, dtype, shape and raw little-endian bytes.
 *
 * @example
 * ```ts
 * const record: TensorRecord = { name: 'w', dtype: 'F32', shape: [2], bytes: encodeFloats('F32', [1, 2]) };
 * ```
 */
export interface TensorRecord {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/**
 * The order the reference writer uses: larger items first, then by name (aligned views).
 *
 * @example
 * ```ts
 * const ordered = safetensorsOrder(records);
 * ```
 */
export function safetensorsOrder<T extends { name: string; dtype: SafetensorsDType }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => SAFETENSORS_DTYPES[b.dtype] - SAFETENSORS_DTYPES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The header bytes (8-byte length + JSON padded with spaces to a multiple of 8) for tensors laid
 * out in the given order, as the reference writer produces it.
 *
 * @example
 * ```ts
 * const header = safetensorsHeaderBytes(ordered, { format: 'pt' });
 * ```
 */
export function safetensorsHeaderBytes(ordered: readonly Omit<TensorRecord, 'bytes'>[], sizes: readonly number[], metadata: Record<string, string> | null): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header['__metadata__'] = metadata;
  let offset = 0;
  ordered.forEach((r, i) => {
    const size = sizes[i]!;
    header[r.name] = { dtype: r.dtype, shape: r.shape, data_offsets: [offset, offset + size] };
    offset += size;
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/**
 * A whole safetensors file in memory.
 *
 * @example
 * ```ts
 * const bytes = serializeSafetensors([{ name: 'w', dtype: 'F32', shape: [2], bytes: encodeFloats('F32', [1, 2]) }]);
 * ```
 */
export function serializeSafetensors(records: readonly TensorRecord[], metadata: Record<string, string> | null = { format: 'pt' }): Uint8Array {
  const ordered = safetensorsOrder(records);
  const header = safetensorsHeaderBytes(ordered, ordered.map((r) => r.bytes.byteLength), metadata);
  const out = new Uint8Array(header.byteLength + ordered.reduce((s, r) => s + r.bytes.byteLength, 0));
  out.set(header, 0);
  let offset = header.byteLength;
  for (const r of ordered) {
    out.set(r.bytes, offset);
    offset += r.bytes.byteLength;
  }
  return out;
}

/**
 * Where tensors come from: a parsed header plus a way to read one tensor's bytes. Implemented
 * over an ArrayBuffer ({@link SafetensorsBuffer}) and over a file handle (Node).
 */
export interface TensorSource {
  readonly file: string;
  readonly header: SafetensorsHeader;
  read(name: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * A safetensors file held in memory (browser `fetch`, tests). Tensors are subarrays: no copy.
 *
 * @example
 * ```ts
 * const source = new SafetensorsBuffer(await response.arrayBuffer(), 'model.safetensors');
 * const bytes = await source.read('transformer.wte.weight');
 * ```
 */
export class SafetensorsBuffer implements TensorSource {
  readonly header: SafetensorsHeader;
  readonly #bytes: Uint8Array;

  constructor(buffer: ArrayBuffer | Uint8Array, readonly file = 'model.safetensors') {
    this.#bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
    this.header = parseSafetensorsHeader(this.#bytes, this.#bytes.byteLength, file);
  }

  async read(name: string): Promise<Uint8Array> {
    return this.readSync(name);
  }

  readSync(name: string): Uint8Array {
    const entry = this.header.entries.get(name);
    if (!entry) throw new CheckpointFormatError(this.file, 'no such tensor', name);
    return this.#bytes.subarray(entry.begin, entry.end);
  }

  async close(): Promise<void> {}
}
