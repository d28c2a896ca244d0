/** Every MDS column encoding: bytes written, values read, and the errors that name the column. */
import { describe, expect, it } from 'vitest';
import { EncodingError, UnsupportedEncodingError } from './errors.js';
import { assertDecodable, getEncoding, UNSUPPORTED_ENCODINGS } from './encodings.js';
import { halfBitsToNumber, numberToHalfBits } from './float16.js';
import type { NDArray } from './ndarray.js';
import { PyFloat } from './python-json.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function roundTrip(encoding: string, value: unknown): unknown {
  const e = getEncoding(encoding, 'c');
  return e.decode(e.encode(value, 'c'), 'c');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('scalar encodings', () => {
  it('writes little-endian fixed-size numbers and reads number/bigint', () => {
    const cases: [string, unknown, string, unknown][] = [
      ['int8', -1, 'ff', -1],
      ['uint8', 255, 'ff', 255],
      ['int16', -2, 'feff', -2],
      ['uint16', 513, '0102', 513],
      ['int32', -3, 'fdffffff', -3],
      ['uint32', 4294967295, 'ffffffff', 4294967295],
      ['int64', -(2n ** 63n), '0000000000000080', -(2n ** 63n)],
      ['uint64', 2n ** 64n - 1n, 'ffffffffffffffff', 2n ** 64n - 1n],
      ['int', 7, '0700000000000000', 7n],
      ['int', 2n ** 63n - 1n, 'ffffffffffffff7f', 2n ** 63n - 1n],
      ['float16', 1, '003c', 1],
      ['float32', 0.5, '0000003f', 0.5],
      ['float64', -0, '0000000000000080', -0],
      ['float64', new PyFloat(2), '0000000000000040', 2],
    ];
    for (const [encoding, value, stored, decoded] of cases) {
      const e = getEncoding(encoding, 'x');
      expect(e.size).toBe(stored.length / 2);
      expect(hex(e.encode(value, 'x')), encoding).toBe(stored);
      expect(e.decode(bytes(stored), 'x')).toStrictEqual(decoded);
    }
  });

  it('range-checks and names the column', () => {
    for (const [encoding, value] of [['int8', 128], ['uint16', -1], ['uint32', 1.5], ['int', 2n ** 63n], ['int', 2 ** 60], ['float32', 'x']] as const) {
      const e = thrown(() => getEncoding(encoding, 'col').encode(value, 'col'));
      expect(EncodingError.isInstance(e), `${encoding} ${String(value)}`).toBe(true);
      expect((e as EncodingError).column).toBe('col');
    }
  });

  it('rounds float16 to nearest even, with subnormals and overflow', () => {
    const cases: [number, number][] = [
      [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-Infinity, 0xfc00],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -26, 0x0001], [3 * 2 ** -25, 0x0002], [2 ** -14, 0x0400],
      [1.00048828125, 0x3c00], [1.00146484375, 0x3c02], [2049, 0x6800], [2051, 0x6802], [0.1, 0x2e66], [-0, 0x8000],
    ];
    for (const [x, h] of cases) expect(numberToHalfBits(x), String(x)).toBe(h);
    expect(numberToHalfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(halfBitsToNumber(0x7bff)).toBe(65504);
    expect(halfBitsToNumber(0x0001)).toBe(2 ** -24);
    expect(halfBitsToNumber(0x7e00)).toBeNaN();
    for (let h = 0; h < 0x7c00; h += 37) expect(numberToHalfBits(halfBitsToNumber(h))).toBe(h);
  });
});

describe('text encodings', () => {
  it('str, bytes and the Python text forms of numbers', () => {
    expect(hex(getEncoding('str', 'c').encode('é', 'c'))).toBe('c3a9');
    expect(roundTrip('str', 'héllo ☕ \u{1F600}')).toBe('héllo ☕ \u{1F600}');
    const b = roundTrip('bytes', new Uint8Array([1, 2, 3])) as Uint8Array;
    expect(Array.from(b)).toEqual([1, 2, 3]);
    expect(new TextDecoder().decode(getEncoding('str_int', 'c').encode(-(2n ** 80n), 'c'))).toBe('-1208925819614629174706176');
    expect(roundTrip('str_int', 2n ** 80n)).toBe(2n ** 80n);
    expect(new TextDecoder().decode(getEncoding('str_float', 'c').encode(1e-5, 'c'))).toBe('1e-05');
    expect(new TextDecoder().decode(getEncoding('str_float', 'c').encode(100000, 'c'))).toBe('100000.0');
    expect(getEncoding('str_float', 'c').decode(text('inf'), 'c')).toBe(Infinity);
    expect(getEncoding('str_float', 'c').decode(text('nan'), 'c')).toBeNaN();
    expect(new TextDecoder().decode(getEncoding('str_decimal', 'c').encode('1e2', 'c'))).toBe('1E+2');
    expect(roundTrip('str_decimal', '3.14159265358979323846264338327950288')).toBe('3.14159265358979323846264338327950288');
    expect(roundTrip('str_decimal', 12n)).toBe('12');
  });

  it('json: Python json.dumps bytes, parsed back', () => {
    const e = getEncoding('json', 'meta');
    expect(new TextDecoder().decode(e.encode({ a: [1, 'é', null, true, 1.5] }, 'meta'))).toBe('{"a": [1, "\\u00e9", null, true, 1.5]}');
    expect(e.decode(text('[NaN, 1.0]'), 'meta')).toEqual([NaN, 1]);
    expect(getEncoding('json', 'meta', { exactJson: true }).decode(text('[1.0]'), 'meta')).toEqual([new PyFloat(1)]);
    const bad = thrown(() => e.decode(text('{'), 'meta'));
    expect(EncodingError.isInstance(bad) && (bad as EncodingError).column === 'meta').toBe(true);
  });

  it('writes a Uint8Array verbatim for non-ndarray columns (upstream quirk)', () => {
    expect(hex(getEncoding('str', 'c').encode(text('hi'), 'c'))).toBe('6869');
    expect(hex(getEncoding('json', 'c').encode(text('{}'), 'c'))).toBe('7b7d');
  });

  it('refuses invalid UTF-8 and lone surrogates', () => {
    expect(EncodingError.isInstance(thrown(() => getEncoding('str', 'c').decode(bytes('ff'), 'c')))).toBe(true);
    expect(EncodingError.isInstance(thrown(() => getEncoding('str', 'c').encode('\ud800', 'c')))).toBe(true);
  });
});

describe('ndarray encodings', () => {
  it('matches the spec example (ndarray:uint16, dynamic shape)', () => {
    const e = getEncoding('ndarray:uint16', 'tokens');
    expect(e.size).toBeNull();
    expect(hex(e.encode(new Uint16Array([1, 2, 3]), 'tokens'))).toBe('0403010002000300');
    expect(hex(e.encode({ data: new Uint16Array([5, 6]), shape: [2, 1], dtype: 'uint16' }, 'tokens'))).toBe('080201' + '05000600');
    const back = e.decode(bytes('080201' + '05000600'), 'tokens') as NDArray;
    expect(back.shape).toEqual([2, 1]);
    expect(back.dtype).toBe('uint16');
    expect(Array.from(back.data as Uint16Array)).toEqual([5, 6]);
  });

  it('llm-foundry token column: ndarray:int32 with 2048 tokens uses a u16 dim', () => {
    const e = getEncoding('ndarray:int32', 'tokens');
    const stored = e.encode(new Int32Array(2048).fill(7), 'tokens');
    expect(hex(stored.subarray(0, 3))).toBe('050008');
    expect(stored.length).toBe(3 + 8192);
  });

  it('round-trips every dtype with dynamic dtype and shape', () => {
    const arrays: NDArray[] = [
      { data: new Uint8Array([1, 255]), shape: [2], dtype: 'uint8' },
      { data: new Int8Array([-1, 2]), shape: [2], dtype: 'int8' },
      { data: new Int16Array([-2, 3, 4, 5, 6, 7]), shape: [2, 3], dtype: 'int16' },
      { data: new Uint32Array([4e9]), shape: [1, 1, 1], dtype: 'uint32' },
      { data: new Int32Array(300).fill(-9), shape: [300], dtype: 'int32' },
      { data: new BigUint64Array([2n ** 64n - 1n]), shape: [1], dtype: 'uint64' },
      { data: new BigInt64Array([-(2n ** 63n)]), shape: [1], dtype: 'int64' },
      { data: new Float32Array([0.5, -1.25]), shape: [2], dtype: 'float16' },
      { data: new Float32Array([0.1]), shape: [1], dtype: 'float32' },
      { data: new Float64Array([Math.PI]), shape: [1], dtype: 'float64' },
      { data: new Uint8Array(70000), shape: [70000], dtype: 'uint8' },
    ];
    const e = getEncoding('ndarray', 'a');
    for (const a of arrays) {
      const back = e.decode(e.encode(a, 'a'), 'a') as NDArray;
      expect(back.dtype).toBe(a.dtype);
      expect(back.shape).toEqual(a.shape);
      expect(Array.from(back.data as ArrayLike<number>)).toEqual(Array.from(a.data as ArrayLike<number>));
    }
    // dtype code byte, then the shape header: ndim 1, u32 dims for 70000.
    expect(hex(e.encode(arrays[10], 'a').subarray(0, 6))).toBe('0806' + '70110100');
  });

  it('fixed dtype and shape: no header, fixed size, checks', () => {
    const e = getEncoding('ndarray:int16:4', 'arr');
    expect(e.size).toBe(8);
    expect(hex(e.encode([32767, -32768, 1, -1], 'arr'))).toBe('ff7f00800100ffff');
    for (const bad of [new Int16Array(3), new Int32Array(4), { data: new Int16Array(4), shape: [2, 2], dtype: 'int16' }, [1e6, 0, 0, 0]]) {
      const error = thrown(() => e.encode(bad, 'arr'));
      expect(EncodingError.isInstance(error)).toBe(true);
    }
    expect(EncodingError.isInstance(thrown(() => getEncoding('ndarray', 'a').encode({ data: new Int8Array(0), shape: [0], dtype: 'int8' }, 'a')))).toBe(true);
  });

  it('rejects bad encoding strings naming the column', () => {
    for (const bad of ['ndarray:complex64', 'ndarray:int8:0', 'ndarray:int8:2:3', 'varchar']) {
      const error = thrown(() => getEncoding(bad, 'col'));
      expect(UnsupportedEncodingError.isInstance(error), bad).toBe(true);
      expect((error as UnsupportedEncodingError).column).toBe('col');
    }
  });
});

describe('pkl and image encodings', () => {
  it('are refused with a typed error naming the column', () => {
    for (const encoding of UNSUPPORTED_ENCODINGS) {
      const error = thrown(() => assertDecodable({ text: 'str', picture: encoding }));
      expect(UnsupportedEncodingError.isInstance(error), encoding).toBe(true);
      expect((error as UnsupportedEncodingError).column).toBe('picture');
      expect((error as Error).message).toContain(`'picture'`);
      expect((error as UnsupportedEncodingError).hint).toBeTruthy();
    }
  });

  it('can be written from bytes and read raw on request', () => {
    const jpeg = bytes('ffd8ffe000104a464946');
    expect(hex(getEncoding('jpeg', 'img').encode(jpeg, 'img'))).toBe(hex(jpeg));
    expect(UnsupportedEncodingError.isInstance(thrown(() => getEncoding('jpeg', 'img').encode({ width: 1 }, 'img')))).toBe(true);
    expect(hex(getEncoding('jpeg', 'img', { rawUnsupported: true }).decode(jpeg, 'img') as Uint8Array)).toBe(hex(jpeg));
  });
});
