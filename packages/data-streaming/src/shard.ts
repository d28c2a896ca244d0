/**
 * The MDS shard file (spec §1.3, §1.4): `u32 N`, `u32 offsets[N+1]` (absolute), the config JSON,
 * then the samples; a sample is one `u32` length per variable-size column followed by every
 * column's bytes, columns in sorted-name order.
 *
 * @example
 * ```ts
 * const layout = columnLayout({ text: 'str', id: 'int' });
 * const sample = encodeSample(layout, { text: 'hi', id: 7n });
 * const shard = buildShard(new TextEncoder().encode('{}'), [sample]);
 * const reader = new ShardReader(shard, 'shard.00000.mds');
 * decodeSample(layout, reader.sampleBytes(0)); // { id: 7n, text: 'hi' }
 * ```
 */
import { EncodingError, ShardIntegrityError } from './errors.js';
import { getEncoding, type ColumnEncoding, type DecodeOptions, type Sample } from './encodings.js';
import { compareCodePoints } from './python-json.js';

/** Columns in stored order with their encodings and fixed sizes. */
export interface ColumnLayout {
  readonly names: readonly string[];
  readonly encodingNames: readonly string[];
  readonly encodings: readonly ColumnEncoding[];
  /** Fixed byte size per column, null when variable (as in `column_sizes`). */
  readonly sizes: readonly (number | null)[];
}

/**
 * The stored layout of a column map: names sorted by code point (Python order).
 *
 * @example
 * ```ts
 * columnLayout({ text: 'str', id: 'int' }).names; // ['id', 'text']
 * ```
 */
export function columnLayout(columns: Readonly<Record<string, string>>, options: DecodeOptions = {}): ColumnLayout {
  const names = Object.keys(columns).sort(compareCodePoints);
  const encodingNames = names.map((n) => columns[n]!);
  const encodings = names.map((n, i) => getEncoding(encodingNames[i]!, n, options));
  return { names, encodingNames, encodings, sizes: encodings.map((e) => e.size) };
}

/**
 * The layout an index entry describes (its stored `column_sizes`, which decoding must follow).
 *
 * @example
 * ```ts
 * layoutOfShard(index.shards[0]!).names; // ['arr', 'id', 'meta', ...]
 * ```
 */
export function layoutOfShard(
  info: { columnNames: readonly string[]; columnEncodings: readonly string[]; columnSizes: readonly (number | null)[] },
  options: DecodeOptions = {},
): ColumnLayout {
  return {
    names: info.columnNames,
    encodingNames: info.columnEncodings,
    encodings: info.columnNames.map((n, i) => getEncoding(info.columnEncodings[i]!, n, options)),
    sizes: info.columnSizes,
  };
}

/**
 * Encodes one sample (a missing column is an error; extra keys are ignored, as upstream).
 *
 * @example
 * ```ts
 * encodeSample(columnLayout({ x: 'int8' }), { x: 5 }); // Uint8Array [5]
 * ```
 */
export function encodeSample(layout: ColumnLayout, sample: Readonly<Record<string, unknown>>): Uint8Array {
  const parts: Uint8Array[] = [];
  const lengths: number[] = [];
  let total = 0;
  for (let i = 0; i < layout.names.length; i++) {
    const name = layout.names[i]!;
    const encoding = layout.encodings[i]!;
    if (!Object.hasOwn(sample, name) || sample[name] === undefined) {
      throw new EncodingError(name, encoding.encoding, 'missing from the sample', `samples need every column: ${layout.names.join(', ')}`);
    }
    const bytes = encoding.encode(sample[name], name);
    const size = layout.sizes[i];
    if (size === null || size === undefined || size === 0) lengths.push(bytes.length);
    else if (bytes.length !== size) {
      throw new EncodingError(name, encoding.encoding, `encoded to ${bytes.length} bytes, but the column's fixed size is ${size}`);
    }
    parts.push(bytes);
    total += bytes.length;
  }
  const out = new Uint8Array(4 * lengths.length + total);
  const view = new DataView(out.buffer);
  lengths.forEach((n, i) => view.setUint32(4 * i, n, true));
  let pos = 4 * lengths.length;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * Decodes one sample's bytes. `shard` names the shard in errors.
 *
 * @example
 * ```ts
 * decodeSample(layout, reader.sampleBytes(3), 'shard.00000.mds');
 * ```
 */
export function decodeSample(layout: ColumnLayout, bytes: Uint8Array, shard = '?'): Sample {
  const n = layout.names.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizes = new Array<number>(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const fixed = layout.sizes[i];
    if (fixed) sizes[i] = fixed;
    else {
      if (pos + 4 > bytes.length) throw new ShardIntegrityError(shard, 'structure', 'a sample ends inside its length header');
      sizes[i] = view.getUint32(pos, true);
      pos += 4;
    }
  }
  const out: Sample = {};
  for (let i = 0; i < n; i++) {
    const size = sizes[i]!;
    if (pos + size > bytes.length) {
      throw new ShardIntegrityError(shard, 'structure', `column '${layout.names[i]}' runs past the end of its sample`);
    }
    out[layout.names[i]!] = layout.encodings[i]!.decode(bytes.subarray(pos, pos + size), layout.names[i]!);
    pos += size;
  }
  return out;
}

/**
 * A raw shard file: header, config and samples concatenated.
 *
 * @example
 * ```ts
 * buildShard(configBytes, [s0, s1]).length; // 4 + 12 + config + s0 + s1
 * ```
 */
export function buildShard(config: Uint8Array, samples: readonly Uint8Array[]): Uint8Array {
  const n = samples.length;
  const headerSize = 4 + 4 * (n + 1) + config.length;
  let total = headerSize;
  for (const s of samples) total += s.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, n, true);
  let offset = headerSize;
  for (let i = 0; i < n; i++) {
    view.setUint32(4 + 4 * i, offset, true);
    out.set(samples[i]!, offset);
    offset += samples[i]!.length;
  }
  view.setUint32(4 + 4 * n, offset, true);
  out.set(config, 4 + 4 * (n + 1));
  return out;
}

/**
 * Random access to the samples of one raw shard held in memory. The constructor checks the
 * header against `expectedSamples` and the file size, so a truncated or corrupt file fails
 * with a {@link ShardIntegrityError} naming the shard before any sample is trusted.
 *
 * @example
 * ```ts
 * const r = new ShardReader(await readFile(path), 'shard.00000.mds', 17);
 * r.numSamples;      // 17
 * r.sampleBytes(0);  // the first sample's bytes (a view)
 * ```
 */
export class ShardReader {
  readonly numSamples: number;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
    expectedSamples?: number,
    readonly path?: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const fail = (detail: string): never => {
      throw new ShardIntegrityError(name, 'structure', detail, path);
    };
    if (bytes.length < 8) fail(`${bytes.length} bytes is too short for an MDS header`);
    const n = this.view.getUint32(0, true);
    if (expectedSamples !== undefined && n !== expectedSamples) fail(`header says ${n} samples, index.json says ${expectedSamples}`);
    if (4 + 4 * (n + 1) > bytes.length) fail(`header of ${n} offsets does not fit in ${bytes.length} bytes`);
    const first = this.view.getUint32(4, true);
    const last = this.view.getUint32(4 + 4 * n, true);
    if (first < 4 + 4 * (n + 1) || first > last) fail(`bad sample offsets (${first}..${last})`);
    if (last !== bytes.length) fail(`the last offset is ${last} but the file has ${bytes.length} bytes`);
    this.numSamples = n;
  }

  /** The stored bytes of sample `i` (a view into the shard). */
  sampleBytes(i: number): Uint8Array {
    if (!(i >= 0 && i < this.numSamples)) {
      throw new ShardIntegrityError(this.name, 'structure', `sample ${i} is outside 0..${this.numSamples - 1}`, this.path);
    }
    const begin = this.view.getUint32(4 + 4 * i, true);
    const end = this.view.getUint32(8 + 4 * i, true);
    if (begin > end || end > this.bytes.length) {
      throw new ShardIntegrityError(this.name, 'structure', `sample ${i} has offsets ${begin}..${end} outside the file`, this.path);
    }
    return this.bytes.subarray(begin, end);
  }
}
