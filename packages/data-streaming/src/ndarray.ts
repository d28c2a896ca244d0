/**
 * The `ndarray[:dtype[:d0,d1,...]]` column encoding (spec §1.5.1): optional dtype code byte,
 * optional shape header `(ndim << 2) | width` plus `ndim` dims, then C-order little-endian
 * elements. Decoded values are {@link NDArray}s whose `data` is a standalone typed array
 * (`Float32Array` for float16, whose values are exact).
 *
 * @example
 * ```ts
 * const enc = new NDArrayEncoding('ndarray:int32');
 * const bytes = enc.encode(new Int32Array([1, 2, 3]), 'tokens');
 * enc.decode(bytes, 'tokens'); // { data: Int32Array [1, 2, 3], shape: [3], dtype: 'int32' }
 * ```
 */
import { EncodingError, UnsupportedEncodingError } from './errors.js';
import { halfBitsToNumber, numberToHalfBits } from './float16.js';

/** Element types of the `ndarray` encoding. */
export type NDArrayDType =
  | 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32'
  | 'uint64' | 'int64' | 'float16' | 'float32' | 'float64';

/** The typed array that holds each dtype's decoded elements. */
export interface NDArrayData {
  uint8: Uint8Array;
  int8: Int8Array;
  uint16: Uint16Array;
  int16: Int16Array;
  uint32: Uint32Array;
  int32: Int32Array;
  uint64: BigUint64Array;
  int64: BigInt64Array;
  float16: Float32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** Any typed array an {@link NDArray} may hold. */
export type TypedArray = NDArrayData[NDArrayDType];

/**
 * An n-dimensional array: C-order elements, shape and dtype.
 *
 * @example
 * ```ts
 * const a: NDArray = { data: new Int16Array([1, 2, 3, 4]), shape: [2, 2], dtype: 'int16' };
 * ```
 */
export interface NDArray<D extends NDArrayDType = NDArrayDType> {
  data: NDArrayData[D];
  shape: number[];
  dtype: D;
}

interface DTypeInfo {
  code: number;
  itemsize: number;
}

/** dtype -> one-byte code and item size (upstream `_dtype_to_int`). */
export const NDARRAY_DTYPES: Readonly<Record<NDArrayDType, DTypeInfo>> = {
  uint8: { code: 8, itemsize: 1 },
  int8: { code: 9, itemsize: 1 },
  uint16: { code: 16, itemsize: 2 },
  int16: { code: 17, itemsize: 2 },
  float16: { code: 18, itemsize: 2 },
  uint32: { code: 32, itemsize: 4 },
  int32: { code: 33, itemsize: 4 },
  float32: { code: 34, itemsize: 4 },
  uint64: { code: 64, itemsize: 8 },
  int64: { code: 65, itemsize: 8 },
  float64: { code: 66, itemsize: 8 },
};

const CODE_TO_DTYPE = new Map<number, NDArrayDType>(
  Object.entries(NDARRAY_DTYPES).map(([name, info]) => [info.code, name as NDArrayDType]),
);

function isDType(name: string): name is NDArrayDType {
  return Object.hasOwn(NDARRAY_DTYPES, name);
}

/** The dtype a typed array implies (`Float32Array` -> float32; `Uint8ClampedArray` -> uint8). */
function dtypeOfTypedArray(value: unknown): NDArrayDType | undefined {
  if (value instanceof Uint8Array || value instanceof Uint8ClampedArray) return 'uint8';
  if (value instanceof Int8Array) return 'int8';
  if (value instanceof Uint16Array) return 'uint16';
  if (value instanceof Int16Array) return 'int16';
  if (value instanceof Uint32Array) return 'uint32';
  if (value instanceof Int32Array) return 'int32';
  if (value instanceof BigUint64Array) return 'uint64';
  if (value instanceof BigInt64Array) return 'int64';
  if (value instanceof Float32Array) return 'float32';
  if (value instanceof Float64Array) return 'float64';
  return undefined;
}

/**
 * Typed array of `dtype` decoded from little-endian element bytes (copied, so it does not keep
 * the shard buffer alive).
 *
 * @example
 * ```ts
 * typedArrayFromBytes('int16', new Uint8Array([1, 0, 255, 255])); // Int16Array [1, -1]
 * ```
 */
export function typedArrayFromBytes<D extends NDArrayDType>(dtype: D, bytes: Uint8Array): NDArrayData[D] {
  const copy = bytes.slice();
  const buffer = copy.buffer;
  switch (dtype) {
    case 'uint8': return copy as NDArrayData[D];
    case 'int8': return new Int8Array(buffer) as NDArrayData[D];
    case 'uint16': return new Uint16Array(buffer) as NDArrayData[D];
    case 'int16': return new Int16Array(buffer) as NDArrayData[D];
    case 'uint32': return new Uint32Array(buffer) as NDArrayData[D];
    case 'int32': return new Int32Array(buffer) as NDArrayData[D];
    case 'uint64': return new BigUint64Array(buffer) as NDArrayData[D];
    case 'int64': return new BigInt64Array(buffer) as NDArrayData[D];
    case 'float32': return new Float32Array(buffer) as NDArrayData[D];
    case 'float64': return new Float64Array(buffer) as NDArrayData[D];
    case 'float16': {
      const bits = new Uint16Array(buffer);
      const out = new Float32Array(bits.length);
      for (let i = 0; i < bits.length; i++) out[i] = halfBitsToNumber(bits[i]!);
      return out as NDArrayData[D];
    }
  }
  throw new Error(`unreachable dtype ${String(dtype)}`);
}

/**
 * Little-endian bytes of `values` stored as `dtype` (numbers are range-checked for integer
 * dtypes and rounded for float16/float32).
 */
function elementBytes(
  dtype: NDArrayDType,
  values: ArrayLike<number | bigint>,
  column: string,
  encoding: string,
): Uint8Array {
  const natural = dtypeOfTypedArray(values);
  if (natural === dtype) {
    const view = values as unknown as ArrayBufferView;
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }
  const n = values.length;
  const fail = (i: number, why: string): never => {
    throw new EncodingError(column, encoding, `element ${i} (${String(values[i])}) ${why} for dtype ${dtype}`);
  };
  if (dtype === 'float16') {
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (typeof v !== 'number') fail(i, 'is not a number');
      out[i] = numberToHalfBits(v as number);
    }
    return new Uint8Array(out.buffer);
  }
  if (dtype === 'uint64' || dtype === 'int64') {
    const out = dtype === 'uint64' ? new BigUint64Array(n) : new BigInt64Array(n);
    const [lo, hi] = dtype === 'uint64' ? [0n, 2n ** 64n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (typeof v === 'number' && !Number.isSafeInteger(v)) fail(i, 'is not a safe integer');
      const b = BigInt(v);
      if (b < lo || b > hi) fail(i, 'is out of range');
      out[i] = b;
    }
    return new Uint8Array(out.buffer);
  }
  const Ctor = {
    uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
    uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
  }[dtype];
  const out = new Ctor(n);
  const isFloat = dtype === 'float32' || dtype === 'float64';
  const bits = NDARRAY_DTYPES[dtype].itemsize * 8;
  const signed = dtype.startsWith('int');
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  for (let i = 0; i < n; i++) {
    const raw = values[i]!;
    const v = typeof raw === 'bigint' ? Number(raw) : raw;
    if (typeof v !== 'number') fail(i, 'is not a number');
    if (!isFloat && (!Number.isInteger(v) || v < lo || v > hi)) fail(i, 'is not an integer in range');
    out[i] = v;
  }
  return new Uint8Array(out.buffer);
}

/**
 * One `ndarray` column encoding, parsed from its encoding string.
 *
 * @example
 * ```ts
 * new NDArrayEncoding('ndarray:int16:4').size; // 8
 * new NDArrayEncoding('ndarray').size;         // null (variable)
 * ```
 */
export class NDArrayEncoding {
  readonly dtype: NDArrayDType | undefined;
  readonly shape: readonly number[] | undefined;
  /** Fixed byte size when dtype and shape are both static, else null. */
  readonly size: number | null;

  constructor(readonly encoding: string, column = '?') {
    const parts = encoding.split(':');
    if (parts[0] !== 'ndarray' || parts.length > 3) {
      throw new UnsupportedEncodingError(column, encoding, 'not an ndarray encoding');
    }
    const dtypeName = parts[1];
    if (dtypeName !== undefined) {
      if (!isDType(dtypeName)) {
        throw new UnsupportedEncodingError(column, encoding, `unknown ndarray dtype '${dtypeName}'`,
          `use one of ${Object.keys(NDARRAY_DTYPES).join(', ')}`);
      }
      this.dtype = dtypeName;
    }
    if (parts[2] !== undefined) {
      const dims = parts[2].split(',').map((d) => Number(d));
      if (dims.some((d) => !Number.isSafeInteger(d) || d < 1) || dims.length > 63) {
        throw new UnsupportedEncodingError(column, encoding, `bad ndarray shape '${parts[2]}'`);
      }
      this.shape = dims;
    }
    this.size =
      this.dtype !== undefined && this.shape !== undefined
        ? this.shape.reduce((a, b) => a * b, 1) * NDARRAY_DTYPES[this.dtype].itemsize
        : null;
  }

  /** Encodes an {@link NDArray}, a typed array (1-D) or a number array (1-D, static dtype only). */
  encode(value: unknown, column: string): Uint8Array {
    const { data, shape, dtype } = this.normalize(value, column);
    const count = shape.reduce((a, b) => a * b, 1);
    if (count === 0) throw new EncodingError(column, this.encoding, 'cannot encode an empty ndarray');
    if (data.length !== count) {
      throw new EncodingError(column, this.encoding, `data has ${data.length} elements but shape [${shape.join(', ')}] needs ${count}`);
    }
    if (this.dtype !== undefined && dtype !== this.dtype) {
      throw new EncodingError(column, this.encoding, `wrong dtype: expected ${this.dtype}, got ${dtype}`);
    }
    if (this.shape !== undefined && (shape.length !== this.shape.length || shape.some((d, i) => d !== this.shape![i]))) {
      throw new EncodingError(column, this.encoding, `wrong shape: expected [${this.shape.join(', ')}], got [${shape.join(', ')}]`);
    }
    const head: number[] = [];
    if (this.dtype === undefined) head.push(NDARRAY_DTYPES[dtype].code);
    let shapeBytes = new Uint8Array(0);
    if (this.shape === undefined) {
      if (shape.length >= 64) throw new EncodingError(column, this.encoding, `too many axes: ${shape.length} (max 63)`);
      const max = Math.max(...shape);
      const width = max < 2 ** 8 ? 0 : max < 2 ** 16 ? 1 : max < 2 ** 32 ? 2 : 3;
      head.push((shape.length << 2) | width);
      const bytesPer = 1 << width;
      shapeBytes = new Uint8Array(shape.length * bytesPer);
      const view = new DataView(shapeBytes.buffer);
      shape.forEach((d, i) => {
        if (width === 0) view.setUint8(i, d);
        else if (width === 1) view.setUint16(i * 2, d, true);
        else if (width === 2) view.setUint32(i * 4, d, true);
        else view.setBigUint64(i * 8, BigInt(d), true);
      });
    }
    const body = elementBytes(dtype, data, column, this.encoding);
    const out = new Uint8Array(head.length + shapeBytes.length + body.length);
    out.set(head, 0);
    out.set(shapeBytes, head.length);
    out.set(body, head.length + shapeBytes.length);
    return out;
  }

  private normalize(
    value: unknown,
    column: string,
  ): { data: ArrayLike<number | bigint>; shape: readonly number[]; dtype: NDArrayDType } {
    if (typeof value === 'object' && value !== null && 'data' in value && 'shape' in value) {
      const v = value as { data: ArrayLike<number | bigint>; shape: readonly number[]; dtype?: string };
      const dtype = v.dtype ?? dtypeOfTypedArray(v.data) ?? this.dtype;
      if (dtype === undefined || !isDType(dtype)) {
        throw new EncodingError(column, this.encoding, `unsupported or missing dtype '${String(v.dtype)}'`);
      }
      if (!Array.isArray(v.shape) || v.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
        throw new EncodingError(column, this.encoding, 'shape must be an array of non-negative integers');
      }
      if (v.shape.length === 0) throw new EncodingError(column, this.encoding, 'cannot encode a 0-d ndarray');
      return { data: v.data, shape: v.shape, dtype };
    }
    const natural = dtypeOfTypedArray(value);
    if (natural !== undefined) {
      const data = value as ArrayLike<number | bigint>;
      return { data, shape: [data.length], dtype: natural };
    }
    if (Array.isArray(value) && this.dtype !== undefined) {
      return { data: value as number[], shape: this.shape ?? [value.length], dtype: this.dtype };
    }
    throw new EncodingError(column, this.encoding, 'expected { data, shape, dtype } or a typed array',
      'a plain number array is accepted only when the encoding names its dtype');
  }

  /** Decodes one stored value. */
  decode(bytes: Uint8Array, column: string): NDArray {
    let pos = 0;
    let dtype = this.dtype;
    if (dtype === undefined) {
      const code = bytes[pos++];
      dtype = code === undefined ? undefined : CODE_TO_DTYPE.get(code);
      if (dtype === undefined) throw new EncodingError(column, this.encoding, `unknown dtype code ${String(code)}`);
    }
    let shape: number[];
    if (this.shape === undefined) {
      const byte = bytes[pos++];
      if (byte === undefined) throw new EncodingError(column, this.encoding, 'value ends before its shape header');
      const ndim = byte >> 2;
      const width = byte & 3;
      const bytesPer = 1 << width;
      if (pos + ndim * bytesPer > bytes.length) throw new EncodingError(column, this.encoding, 'value ends inside its shape');
      const view = new DataView(bytes.buffer, bytes.byteOffset + pos, ndim * bytesPer);
      shape = [];
      for (let i = 0; i < ndim; i++) {
        if (width === 0) shape.push(view.getUint8(i));
        else if (width === 1) shape.push(view.getUint16(i * 2, true));
        else if (width === 2) shape.push(view.getUint32(i * 4, true));
        else shape.push(Number(view.getBigUint64(i * 8, true)));
      }
      pos += ndim * bytesPer;
    } else {
      shape = [...this.shape];
    }
    const body = bytes.subarray(pos);
    const expected = shape.reduce((a, b) => a * b, 1) * NDARRAY_DTYPES[dtype].itemsize;
    if (body.length !== expected) {
      throw new EncodingError(column, this.encoding, `${body.length} element bytes for shape [${shape.join(', ')}] of ${dtype} (expected ${expected})`);
    }
    return { data: typedArrayFromBytes(dtype, body), shape, dtype };
  }
}
