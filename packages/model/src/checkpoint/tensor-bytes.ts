/**
 * Raw little-endian tensor bytes <-> numbers, for the checkpoint dtypes model weights use
 * (F32, F16, BF16; F64 is read too). Browser-safe.
 */
import { floatToBfloat16Bits, floatToHalfBits, halfBitsToFloat, type DType } from '@tessera/tensor';

/** The safetensors dtype strings (all of them are recognised; weights must be floats). */
export const SAFETENSORS_DTYPES = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
} as const;

/** A safetensors dtype string. */
export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPES;

/** The dtypes a parameter can be stored in. */
export type WeightDType = 'F32' | 'F16' | 'BF16';

/**
 * The safetensors name of a Tessera float dtype, and back.
 *
 * @example
 * ```ts
 * weightDTypeOf('bfloat16'); // 'BF16'
 * tensorDTypeOf('F16');      // 'float16'
 * ```
 */
export function weightDTypeOf(dtype: DType): WeightDType {
  if (dtype === 'float16') return 'F16';
  if (dtype === 'bfloat16') return 'BF16';
  return 'F32';
}

/** The Tessera dtype that stores a checkpoint dtype without loss (F64 becomes float32). */
export function tensorDTypeOf(dtype: WeightDType | 'F64'): 'float32' | 'float16' | 'bfloat16' {
  return dtype === 'F16' ? 'float16' : dtype === 'BF16' ? 'bfloat16' : 'float32';
}

function aligned(bytes: Uint8Array, itemSize: number): ArrayBuffer {
  // A typed-array view needs an aligned offset; copy when the producer gave no alignment.
  if (bytes.byteOffset % itemSize === 0 && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer;
}

function view<T>(bytes: Uint8Array, itemSize: number, make: (buffer: ArrayBuffer, offset: number, length: number) => T): T {
  const buffer = aligned(bytes, itemSize);
  const offset = buffer === bytes.buffer ? bytes.byteOffset : 0;
  return make(buffer, offset, bytes.byteLength / itemSize);
}

/**
 * Decode raw bytes of a float dtype to float32 values (little-endian host assumed, as every
 * platform Node and browsers run on).
 *
 * @example
 * ```ts
 * const values = decodeFloats('BF16', bytes); // Float32Array
 * ```
 */
export function decodeFloats(dtype: WeightDType | 'F64', bytes: Uint8Array): Float32Array {
  if (dtype === 'F32') return view(bytes, 4, (b, o, n) => new Float32Array(b, o, n)).slice();
  if (dtype === 'F64') return Float32Array.from(view(bytes, 8, (b, o, n) => new Float64Array(b, o, n)));
  const bits = view(bytes, 2, (b, o, n) => new Uint16Array(b, o, n));
  const out = new Float32Array(bits.length);
  if (dtype === 'BF16') {
    const words = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) words[i] = bits[i]! << 16;
  } else {
    for (let i = 0; i < bits.length; i++) out[i] = halfBitsToFloat(bits[i]!);
  }
  return out;
}

/**
 * Encode float values as little-endian bytes of `dtype` (round to nearest even for the halves).
 *
 * @example
 * ```ts
 * const bytes = encodeFloats('F16', new Float32Array([1, 0.5])); // 4 bytes
 * ```
 */
export function encodeFloats(dtype: WeightDType, values: ArrayLike<number>): Uint8Array {
  if (dtype === 'F32') {
    const out = values instanceof Float32Array ? values : Float32Array.from(values);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  const bits = new Uint16Array(values.length);
  const encode = dtype === 'F16' ? floatToHalfBits : floatToBfloat16Bits;
  for (let i = 0; i < values.length; i++) bits[i] = encode(values[i]!);
  return new Uint8Array(bits.buffer);
}
