/**
 * The safetensors parser on valid and hostile input: every malformed header is a
 * CheckpointFormatError naming the file (and tensor), never a crash or a huge allocation; random
 * corruption of a real file is either rejected or still a consistent file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Generator } from '@tessera/tensor';
import { CheckpointFormatError } from '../errors.js';
import { parseSafetensorsHeader, SafetensorsBuffer, serializeSafetensors, MAX_HEADER_BYTES } from './safetensors.js';
import { decodeFloats, encodeFloats } from './tensor-bytes.js';

const fixture = new Uint8Array(readFileSync(fileURLToPath(new URL('../../test/fixtures/A/model.safetensors', import.meta.url))));

function withHeader(json: string, data = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.byteLength), true);
  out.set(text, 8);
  out.set(data, 8 + text.byteLength);
  return out;
}

function parse(bytes: Uint8Array): unknown {
  try {
    return new SafetensorsBuffer(bytes, 'test.safetensors');
  } catch (e) {
    return e;
  }
}

describe('safetensors', () => {
  it('parses the fixture and re-serialises it byte for byte', () => {
    const source = new SafetensorsBuffer(fixture, 'A');
    expect(source.header.metadata).toEqual({ format: 'pt' });
    const records = [...source.header.entries.values()].map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, bytes: source.readSync(e.name) }));
    expect(Buffer.compare(serializeSafetensors(records), fixture)).toBe(0);
  });

  it('orders by item size, then name, and pads the header to 8 bytes', () => {
    const bytes = serializeSafetensors([
      { name: 'b', dtype: 'F16', shape: [3], bytes: encodeFloats('F16', [1, 2, 3]) },
      { name: 'a', dtype: 'F16', shape: [1], bytes: encodeFloats('F16', [4]) },
      { name: 'c', dtype: 'F32', shape: [], bytes: encodeFloats('F32', [5]) },
      { name: 'empty', dtype: 'F32', shape: [0, 4], bytes: new Uint8Array(0) },
    ], null);
    const header = parseSafetensorsHeader(bytes, bytes.byteLength, 'x');
    expect((header.dataStart - 8) % 8).toBe(0);
    expect([...header.entries.values()].sort((x, y) => x.begin - y.begin).map((e) => e.name)).toEqual(['c', 'empty', 'a', 'b']);
    const source = new SafetensorsBuffer(bytes);
    expect(Array.from(decodeFloats('F16', source.readSync('b')))).toEqual([1, 2, 3]);
    expect(Array.from(decodeFloats('F32', source.readSync('c')))).toEqual([5]);
  });

  it('decodes F16 (subnormals, infinities) and BF16', () => {
    const values = [0, -0, 1, -2.5, 65504, 6.103515625e-5, 5.960464477539063e-8, Infinity, -Infinity];
    expect(Array.from(decodeFloats('F16', encodeFloats('F16', values)))).toEqual(values);
    expect(Number.isNaN(decodeFloats('F16', encodeFloats('F16', [NaN]))[0])).toBe(true);
    expect(Array.from(decodeFloats('BF16', encodeFloats('BF16', [1, -2, 0.10009765625, 3.3895313892515355e38])))).toEqual([1, -2, 0.10009765625, 3.3895313892515355e38]);
  });

  it('copies unaligned tensor data instead of failing', () => {
    const buffer = new Uint8Array(9);
    buffer.set(encodeFloats('F32', [1.5, -3]), 1);
    expect(Array.from(decodeFloats('F32', buffer.subarray(1)))).toEqual([1.5, -3]);
  });

  const hostile: [string, Uint8Array, RegExp][] = [
    ['a file shorter than 8 bytes', new Uint8Array(5), /too short/],
    ['a header length past the limit', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES) + 1n, true); return b; })(), /exceeds/],
    ['a header length of 2^64 - 1', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 2n ** 64n - 1n, true); return b; })(), /exceeds/],
    ['a header length past the end of the file', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 1000n, true); return b; })(), /past the end/],
    ['a header that is not JSON', withHeader('{"a": '), /not valid JSON/],
    ['a header that is not an object', withHeader('[1, 2]'), /does not start/],
    ['an unknown dtype', withHeader('{"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)), /unknown dtype/],
    ['a negative dimension', withHeader('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', new Uint8Array(4)), /non-negative/],
    ['offsets past the data', withHeader('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', new Uint8Array(4)), /outside/],
    ['a byte count that disagrees with the shape', withHeader('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', new Uint8Array(4)), /needs 8/],
    ['a huge shape with few bytes', withHeader('{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}', new Uint8Array(4)), /needs/],
    ['overlapping tensors', withHeader('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', new Uint8Array(3)), /overlaps/],
    ['a gap between tensors', withHeader('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}', new Uint8Array(3)), /gap/],
    ['trailing bytes', withHeader('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(2)), /trailing/],
    ['bad metadata', withHeader('{"__metadata__":{"format":1}}'), /__metadata__/],
  ];
  it.each(hostile)('rejects %s with a CheckpointFormatError', (_, bytes, message) => {
    const error = parse(bytes);
    expect(CheckpointFormatError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect((error as CheckpointFormatError).file).toBe('test.safetensors');
  });

  it('names the tensor and its shape', () => {
    const error = parse(withHeader('{"w":{"dtype":"F32","shape":[2, 3],"data_offsets":[0,4]}}', new Uint8Array(4))) as CheckpointFormatError;
    expect(error.tensor).toBe('w');
    expect(error.shape).toEqual([2, 3]);
    expect(error.message).toContain("tensor 'w' [2, 3]");
  });

  it('fuzz: random corruption of a real file is rejected cleanly or still parses consistently', () => {
    const g = new Generator(1234);
    let rejected = 0;
    for (let trial = 0; trial < 400; trial++) {
      const bytes = fixture.slice(0, trial % 7 === 0 ? Math.floor(g.nextDouble() * fixture.byteLength) : fixture.byteLength);
      const flips = 1 + Math.floor(g.nextDouble() * 4);
      for (let f = 0; f < flips; f++) {
        // Mostly hit the length field and the header, where the structure lives.
        const span = g.nextDouble() < 0.8 ? Math.min(bytes.byteLength, 1500) : bytes.byteLength;
        const at = Math.floor(g.nextDouble() * span);
        if (at < bytes.byteLength) bytes[at] = Math.floor(g.nextDouble() * 256);
      }
      const result = parse(bytes);
      if (result instanceof SafetensorsBuffer) {
        for (const e of result.header.entries.values()) {
          expect(e.end).toBeLessThanOrEqual(bytes.byteLength);
          expect(result.readSync(e.name).byteLength).toBe(e.end - e.begin);
        }
      } else {
        expect(CheckpointFormatError.isInstance(result), String(result)).toBe(true);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });
});
