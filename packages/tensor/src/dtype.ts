/**
 * Data types. float16 and bfloat16 are storage formats: they are kept as raw 16-bit patterns
 * (Uint16Array) and every computation on them happens in float32.
 *
 * @example
 * ```ts
 * const dtype: DType = 'bfloat16';
 * const w = randn([4, 4], { seed: 0, dtype }); // stored as 16-bit patterns
 * const values = await w.data();               // decoded to a Float32Array
 * ```
 */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int32' | 'bool';

/**
 * Every supported dtype, in a fixed order (handy for tests that sweep dtypes).
 *
 * @example
 * ```ts
 * for (const dtype of DTYPES.filter(isFloat)) {
 *   console.log(dtype, await ones([2], dtype).data());
 * }
 * ```
 */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'bool'];

/** The typed array that holds each dtype's storage on the host. */
export interface StorageArrays {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int32: Int32Array;
  bool: Uint8Array;
}
/**
 * The host typed array that holds any dtype's storage: what `Backend.write` takes and
 * `Backend.read` returns (raw 16-bit patterns for float16/bfloat16).
 *
 * @example
 * ```ts
 * const backend = createCpuBackend();
 * const h = backend.alloc('float16', 2);
 * const bits: StorageArray = new Uint16Array([floatToHalfBits(1), floatToHalfBits(0.5)]);
 * backend.write(h, bits);
 * ```
 */
export type StorageArray = StorageArrays[DType];

/** What `Tensor.data()` returns: half dtypes are decoded to Float32Array. */
export interface DataArrays {
  float32: Float32Array;
  float64: Float64Array;
  float16: Float32Array;
  bfloat16: Float32Array;
  int32: Int32Array;
  bool: Uint8Array;
}
/**
 * The typed array `Tensor.data()` returns for any dtype; float16/bfloat16 decode to Float32Array.
 *
 * @example
 * ```ts
 * const values: DataArray = await tensor([1, 2], [2], 'float16').data(); // Float32Array [1, 2]
 * ```
 */
export type DataArray = DataArrays[DType];

/**
 * True for the floating-point dtypes: float32, float64, float16 and bfloat16.
 *
 * @example
 * ```ts
 * const x32 = isFloat(x.dtype) ? x : cast(x, 'float32');
 * ```
 */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/**
 * True for the 16-bit storage dtypes (float16, bfloat16), whose ops compute in float32.
 *
 * @example
 * ```ts
 * if (isHalf(w.dtype)) w = cast(w, 'float32'); // full precision for an optimizer step
 * ```
 */
export function isHalf(dtype: DType): dtype is 'float16' | 'bfloat16' {
  return dtype === 'float16' || dtype === 'bfloat16';
}

export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
    case 'bfloat16':
      return 2;
    case 'bool':
      return 1;
  }
}

export function allocStorage<D extends DType>(dtype: D, size: number): StorageArrays[D];
export function allocStorage(dtype: DType, size: number): StorageArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * float32 -> IEEE half bits, round to nearest even (overflow to infinity, NaN kept).
 *
 * @example
 * ```ts
 * floatToHalfBits(1);      // 0x3c00
 * floatToHalfBits(65520);  // 0x7c00 (infinity)
 * ```
 */
export function floatToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

/**
 * IEEE half bits -> number.
 *
 * @example
 * ```ts
 * halfBitsToFloat(0x3c00);                   // 1
 * halfBitsToFloat(floatToHalfBits(0.1));     // 0.0999755859375
 * ```
 */
export function halfBitsToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * float32 -> bfloat16 bits, round to nearest even (NaN stays NaN).
 *
 * @example
 * ```ts
 * floatToBfloat16Bits(1);   // 0x3f80
 * floatToBfloat16Bits(-2);  // 0xc000
 * ```
 */
export function floatToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/**
 * bfloat16 bits -> number.
 *
 * @example
 * ```ts
 * bfloat16BitsToFloat(0x3f80);                     // 1
 * bfloat16BitsToFloat(floatToBfloat16Bits(0.1));   // 0.10009765625
 * ```
 */
export function bfloat16BitsToFloat(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0]!;
}

/** Encoder/decoder between numbers and a dtype's stored representation. */
export function encoderFor(dtype: DType): (value: number) => number {
  switch (dtype) {
    case 'float16':
      return floatToHalfBits;
    case 'bfloat16':
      return floatToBfloat16Bits;
    case 'bool':
      return (v) => (v !== 0 ? 1 : 0);
    case 'int32':
      return (v) => Math.trunc(v);
    default:
      return (v) => v;
  }
}

export function decoderFor(dtype: DType): ((bits: number) => number) | null {
  if (dtype === 'float16') return halfBitsToFloat;
  if (dtype === 'bfloat16') return bfloat16BitsToFloat;
  return null;
}

/** Decode stored half data to float32; other dtypes are returned as they are. */
export function decodeStorage(dtype: DType, array: StorageArray): DataArray {
  const decode = decoderFor(dtype);
  if (!decode) return array as DataArray;
  const out = new Float32Array(array.length);
  for (let i = 0; i < array.length; i++) out[i] = decode(array[i]!);
  return out;
}
