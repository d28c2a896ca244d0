/**
 * MDS column encodings (spec §1.5): how one column value becomes bytes and back.
 *
 * | encoding | JS value written | JS value read |
 * | --- | --- | --- |
 * | `str` | string | string |
 * | `bytes` | Uint8Array | Uint8Array (standalone copy) |
 * | `int`, `int64`, `uint64` | bigint or safe-integer number | bigint |
 * | `int8`..`int32`, `uint8`..`uint32` | number (or bigint) | number |
 * | `float16`, `float32`, `float64` | number | number |
 * | `str_int` | bigint or safe-integer number | bigint |
 * | `str_float` | number | number |
 * | `str_decimal` | decimal string, bigint or safe integer | canonical decimal string (`str(Decimal)`) |
 * | `json` | any {@link PyJsonValue} | parsed value (Python `json.loads`) |
 * | `ndarray...` | {@link NDArray} or typed array | {@link NDArray} |
 *
 * Upstream writer quirk, kept: a `Uint8Array` given for any column other than an `ndarray` is
 * written verbatim. `pkl` and image encodings (`pil`, `jpeg`, `png`, `list[...]`,
 * `jpeg_array`) can only be written that way and are read only with `rawUnsupported`.
 *
 * @example
 * ```ts
 * const enc = getEncoding('str_float', 'score');
 * enc.encode(1e-5, 'score');                            // bytes of '1e-05'
 * enc.decode(new TextEncoder().encode('inf'), 'score'); // Infinity
 * ```
 */
import { EncodingError, UnsupportedEncodingError } from './errors.js';
import { halfBitsToNumber, numberToHalfBits } from './float16.js';
import { NDArrayEncoding, type NDArray } from './ndarray.js';
import { PyFloat, pythonJsonDumps, pythonJsonParse, pythonFloatRepr, type PyJsonValue } from './python-json.js';
import { parsePythonFloat, parsePythonInt, pythonDecimalString } from './python-numbers.js';

/** A decoded column value. */
export type ColumnValue = string | number | bigint | Uint8Array | NDArray | PyJsonValue;

/** A decoded sample: column name -> value. */
export type Sample = Record<string, ColumnValue>;

/** Options that change how values are decoded. */
export interface DecodeOptions {
  /**
   * Decode `json` columns losslessly: integral floats as `PyFloat`, objects with integer-like
   * keys as `Map`, so that re-writing a sample reproduces its bytes. Default false.
   */
  exactJson?: boolean;
  /** Return `pkl` and image columns as their raw bytes instead of refusing the dataset. */
  rawUnsupported?: boolean;
}

/**
 * One column encoding: its fixed size (null = variable) and the encode/decode pair.
 *
 * @example
 * ```ts
 * const e = getEncoding('int16', 'x');
 * e.size;                    // 2
 * e.decode(e.encode(-3, 'x'), 'x'); // -3
 * ```
 */
export interface ColumnEncoding {
  readonly encoding: string;
  readonly size: number | null;
  encode(value: unknown, column: string): Uint8Array;
  decode(bytes: Uint8Array, column: string): ColumnValue;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Encodings that need Python (pickle) or an image library; see the module doc. */
export const UNSUPPORTED_ENCODINGS: ReadonlySet<string> = new Set([
  'pkl', 'pil', 'jpeg', 'png', 'jpeg_array', 'jpegarray', 'list[pil]', 'list[jpeg]', 'list[png]',
]);

function str(encoding: string, value: string, column: string): Uint8Array {
  if (!(value as string & { isWellFormed(): boolean }).isWellFormed()) throw new EncodingError(column, encoding, 'string contains a lone surrogate (not encodable as UTF-8)');
  return utf8.encode(value);
}

function text(encoding: string, bytes: Uint8Array, column: string): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    throw new EncodingError(column, encoding, 'stored bytes are not valid UTF-8');
  }
}

function typeError(encoding: string, column: string, expected: string, value: unknown): never {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  throw new EncodingError(column, encoding, `expected ${expected}, got ${got}`);
}

function toBigInt(encoding: string, value: unknown, column: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new EncodingError(column, encoding, `${value} is not a safe integer`, 'pass a bigint for integers beyond 2^53');
    }
    return BigInt(value);
  }
  return typeError(encoding, column, 'a bigint or an integer number', value);
}

interface ScalarSpec {
  size: number;
  write(view: DataView, value: unknown, column: string): void;
  read(view: DataView): number | bigint;
}

function intSpec(encoding: string, size: 1 | 2 | 4, signed: boolean): ScalarSpec {
  const bits = size * 8;
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return {
    size,
    write(view, value, column) {
      const v = typeof value === 'bigint' ? Number(value) : value;
      if (typeof v !== 'number') typeError(encoding, column, 'an integer', value);
      if (!Number.isInteger(v) || v < lo || v > hi) {
        throw new EncodingError(column, encoding, `${String(value)} is not an integer in [${lo}, ${hi}]`);
      }
      if (size === 1) signed ? view.setInt8(0, v) : view.setUint8(0, v);
      else if (size === 2) signed ? view.setInt16(0, v, true) : view.setUint16(0, v, true);
      else signed ? view.setInt32(0, v, true) : view.setUint32(0, v, true);
    },
    read(view) {
      if (size === 1) return signed ? view.getInt8(0) : view.getUint8(0);
      if (size === 2) return signed ? view.getInt16(0, true) : view.getUint16(0, true);
      return signed ? view.getInt32(0, true) : view.getUint32(0, true);
    },
  };
}

function int64Spec(encoding: string, signed: boolean): ScalarSpec {
  const [lo, hi] = signed ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
  return {
    size: 8,
    write(view, value, column) {
      const v = toBigInt(encoding, value, column);
      if (v < lo || v > hi) throw new EncodingError(column, encoding, `${v} is out of range [${lo}, ${hi}]`);
      if (signed) view.setBigInt64(0, v, true);
      else view.setBigUint64(0, v, true);
    },
    read(view) {
      return signed ? view.getBigInt64(0, true) : view.getBigUint64(0, true);
    },
  };
}

function floatSpec(encoding: string, size: 2 | 4 | 8): ScalarSpec {
  return {
    size,
    write(view, value, column) {
      const v = value instanceof PyFloat ? value.value : value;
      if (typeof v !== 'number') typeError(encoding, column, 'a number', value);
      if (size === 2) view.setUint16(0, numberToHalfBits(v), true);
      else if (size === 4) view.setFloat32(0, v, true);
      else view.setFloat64(0, v, true);
    },
    read(view) {
      if (size === 2) return halfBitsToNumber(view.getUint16(0, true));
      return size === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
    },
  };
}

function scalarSpec(encoding: string): ScalarSpec | undefined {
  switch (encoding) {
    case 'int8': return intSpec(encoding, 1, true);
    case 'uint8': return intSpec(encoding, 1, false);
    case 'int16': return intSpec(encoding, 2, true);
    case 'uint16': return intSpec(encoding, 2, false);
    case 'int32': return intSpec(encoding, 4, true);
    case 'uint32': return intSpec(encoding, 4, false);
    case 'int':
    case 'int64': return int64Spec(encoding, true);
    case 'uint64': return int64Spec(encoding, false);
    case 'float16': return floatSpec(encoding, 2);
    case 'float32': return floatSpec(encoding, 4);
    case 'float64': return floatSpec(encoding, 8);
    default: return undefined;
  }
}

function scalarEncoding(encoding: string, spec: ScalarSpec): ColumnEncoding {
  return {
    encoding,
    size: spec.size,
    encode(value, column) {
      if (value instanceof Uint8Array) return value;
      const out = new Uint8Array(spec.size);
      spec.write(new DataView(out.buffer), value, column);
      return out;
    },
    decode(bytes, column) {
      if (bytes.length !== spec.size) throw new EncodingError(column, encoding, `${bytes.length} bytes stored, expected ${spec.size}`);
      return spec.read(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  };
}

function variableEncoding(
  encoding: string,
  encode: (value: unknown, column: string) => Uint8Array,
  decode: (bytes: Uint8Array, column: string) => ColumnValue,
): ColumnEncoding {
  return {
    encoding,
    size: null,
    encode: (value, column) => (value instanceof Uint8Array ? value : encode(value, column)),
    decode,
  };
}

function wrapParse<T>(encoding: string, column: string, fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    throw new EncodingError(column, encoding, (cause as Error).message);
  }
}

/**
 * The encoding named by an MDS encoding string. Throws {@link UnsupportedEncodingError} (naming
 * the column) for unknown encodings and, unless `rawUnsupported`, for `pkl` and images.
 *
 * @example
 * ```ts
 * getEncoding('ndarray:int32', 'tokens').size; // null
 * getEncoding('pkl', 'obj');                   // throws UnsupportedEncodingError
 * ```
 */
export function getEncoding(encoding: string, column: string, options: DecodeOptions = {}): ColumnEncoding {
  const scalar = scalarSpec(encoding);
  if (scalar) return scalarEncoding(encoding, scalar);
  if (encoding === 'ndarray' || encoding.startsWith('ndarray:')) {
    const nd = new NDArrayEncoding(encoding, column);
    return {
      encoding,
      size: nd.size,
      encode: (value, c) => nd.encode(value, c),
      decode: (bytes, c) => nd.decode(bytes, c),
    };
  }
  switch (encoding) {
    case 'bytes':
      return variableEncoding(encoding, (v, c) => typeError(encoding, c, 'a Uint8Array', v), (b) => b.slice());
    case 'str':
      return variableEncoding(
        encoding,
        (v, c) => (typeof v === 'string' ? str(encoding, v, c) : typeError(encoding, c, 'a string', v)),
        (b, c) => text(encoding, b, c),
      );
    case 'str_int':
      return variableEncoding(
        encoding,
        (v, c) => utf8.encode(toBigInt(encoding, v, c).toString()),
        (b, c) => wrapParse(encoding, c, () => parsePythonInt(text(encoding, b, c))),
      );
    case 'str_float':
      return variableEncoding(
        encoding,
        (v, c) => {
          const x = v instanceof PyFloat ? v.value : v;
          return typeof x === 'number' ? utf8.encode(pythonFloatRepr(x)) : typeError(encoding, c, 'a number', v);
        },
        (b, c) => wrapParse(encoding, c, () => parsePythonFloat(text(encoding, b, c))),
      );
    case 'str_decimal':
      return variableEncoding(
        encoding,
        (v, c) => {
          if (typeof v === 'string') return utf8.encode(wrapParse(encoding, c, () => pythonDecimalString(v)));
          return utf8.encode(toBigInt(encoding, v, c).toString());
        },
        (b, c) => wrapParse(encoding, c, () => pythonDecimalString(text(encoding, b, c))),
      );
    case 'json': {
      const exact = options.exactJson ?? false;
      return variableEncoding(
        encoding,
        (v, c) => utf8.encode(wrapParse(encoding, c, () => pythonJsonDumps(v))),
        (b, c) => wrapParse(encoding, c, () => pythonJsonParse(text(encoding, b, c), { exact })),
      );
    }
    default:
      break;
  }
  if (UNSUPPORTED_ENCODINGS.has(encoding)) {
    const hint =
      encoding === 'pkl'
        ? 'pickled values need Python; re-write the column as json, bytes or ndarray'
        : 'open with rawUnsupported: true to get the stored bytes (JPEG/PNG files as is) and decode them with an image library';
    if (options.rawUnsupported) {
      return variableEncoding(
        encoding,
        (v, c) => {
          throw new UnsupportedEncodingError(c, encoding, `cannot encode a ${typeof v}; pass the stored bytes as a Uint8Array`);
        },
        (b) => b.slice(),
      );
    }
    return {
      encoding,
      size: null,
      encode(value, c) {
        if (value instanceof Uint8Array) return value;
        throw new UnsupportedEncodingError(c, encoding, 'this encoding is not supported in JavaScript', 'pass the already-encoded bytes as a Uint8Array');
      },
      decode(_bytes, c) {
        throw new UnsupportedEncodingError(c, encoding, 'this encoding is not supported in JavaScript', hint);
      },
    };
  }
  throw new UnsupportedEncodingError(column, encoding, 'unknown MDS encoding',
    'use str, bytes, int, int8..uint64, float16/32/64, str_int, str_float, str_decimal, json or ndarray[:dtype[:shape]]');
}

/**
 * Throws {@link UnsupportedEncodingError} (naming the column) when a column cannot be decoded.
 *
 * @example
 * ```ts
 * assertDecodable({ img: 'jpeg' }); // throws: column 'img' (encoding 'jpeg'): ...
 * ```
 */
export function assertDecodable(columns: Readonly<Record<string, string>>, options: DecodeOptions = {}): void {
  for (const [column, encoding] of Object.entries(columns)) {
    getEncoding(encoding, column, options);
    if (UNSUPPORTED_ENCODINGS.has(encoding) && !options.rawUnsupported) {
      throw new UnsupportedEncodingError(column, encoding, 'this encoding is not supported in JavaScript',
        encoding === 'pkl'
          ? 'pickled values need Python; re-write the column as json, bytes or ndarray'
          : 'open with rawUnsupported: true to get the stored bytes and decode them with an image library');
    }
  }
}
