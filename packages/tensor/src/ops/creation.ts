/**
 * Creating tensors: from data, filled, ranges, seeded random. Values are produced on the host
 * and written to the current backend.
 */
import { allocStorage, encoderFor, isFloat, isHalf, type DType, type StorageArray } from '../dtype.js';
import { fromStorage } from '../engine.js';
import { DTypeError, InvalidArgumentError } from '../errors.js';
import { Generator, globalGenerator } from '../random.js';
import { assertValidShape, formatShape, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * Nested JavaScript arrays of numbers or booleans, one level per dimension.
 *
 * @example
 * ```ts
 * const rows: NestedArray = [[1, 2, 3], [4, 5, 6]];
 * const x = tensor(rows); // [2, 3]
 * ```
 */
export type NestedArray = number | boolean | readonly NestedArray[];
/**
 * Anything `tensor()` accepts: nested arrays, or a flat typed array (row-major).
 *
 * @example
 * ```ts
 * const data: TensorData = new Float32Array([1, 2, 3, 4, 5, 6]);
 * const x = tensor(data, [2, 3]);
 * ```
 */
export type TensorData = NestedArray | Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0] as NestedArray;
  }
  return shape;
}

function flatten(data: NestedArray, shape: Shape, out: number[], dim = 0, where = ''): void {
  if (dim === shape.length) {
    if (Array.isArray(data)) throw new InvalidArgumentError('tensor', `ragged nested array: element ${where || '[]'} is an array where a value was expected`);
    const v = data as number | boolean;
    if (typeof v !== 'number' && typeof v !== 'boolean') throw new InvalidArgumentError('tensor', `element ${where} is ${typeof v}, not a number or boolean`);
    out.push(typeof v === 'boolean' ? Number(v) : v);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new InvalidArgumentError('tensor', `ragged nested array: ${where || 'the top level'} should have length ${shape[dim]}`);
  }
  data.forEach((d: NestedArray, i: number) => flatten(d, shape, out, dim + 1, `${where}[${i}]`));
}

function defaultDType(data: TensorData): DType {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  if (data instanceof Uint16Array) return 'float16';
  let leaf: NestedArray | Float32Array = data;
  while (Array.isArray(leaf)) leaf = leaf[0] as NestedArray;
  return typeof leaf === 'boolean' ? 'bool' : 'float32';
}

/**
 * Encode numbers into a dtype's storage array.
 *
 * @internal
 *
 * @example
 * ```ts
 * encode([1, 0.5], 'float16'); // Uint16Array [0x3c00, 0x3800]
 * ```
 */
export function encode(values: ArrayLike<number>, dtype: DType): StorageArray {
  const out = allocStorage(dtype, values.length);
  const enc = encoderFor(dtype);
  for (let i = 0; i < values.length; i++) out[i] = enc(values[i]!);
  return out;
}

/**
 * A tensor from nested arrays or a typed array (row-major). The shape defaults to the nesting
 * (or `[length]`); the dtype to float32 for numbers, bool for booleans, or the typed array's own.
 *
 * @example
 * ```ts
 * const a = tensor([[1, 2], [3, 4]]);            // float32 [2, 2]
 * const b = tensor([1, 2, 3, 4], [2, 2]);        // same
 * const ids = tensor([5, 7], [2], 'int32');
 * ```
 */
export function tensor(data: TensorData, shape?: Shape, dtype?: DType): Tensor {
  const type = dtype ?? defaultDType(data);
  if (data instanceof Uint16Array) {
    // Raw float16/bfloat16 bit patterns (e.g. straight from a safetensors file): stored as they are.
    if (!isHalf(type)) throw new DTypeError('tensor', [type], 'a Uint16Array holds raw float16/bfloat16 bits', "pass dtype 'float16' or 'bfloat16'");
    const shape16 = shape ?? [data.length];
    assertValidShape('tensor', shape16);
    if (sizeOf(shape16) !== data.length) {
      throw new InvalidArgumentError('tensor', `${data.length} values do not fill shape ${formatShape(shape16)} (${sizeOf(shape16)} elements)`);
    }
    return fromStorage(data.slice(), shape16, type);
  }
  const sameStorage = (type === 'float32' && data instanceof Float32Array) || (type === 'float64' && data instanceof Float64Array)
    || (type === 'int32' && data instanceof Int32Array);
  if (sameStorage) {
    // The typed array already is the storage format: one copy, no per-element encoding.
    const shapeTyped = shape ?? [data.length];
    assertValidShape('tensor', shapeTyped);
    if (sizeOf(shapeTyped) !== data.length) {
      throw new InvalidArgumentError('tensor', `${data.length} values do not fill shape ${formatShape(shapeTyped)} (${sizeOf(shapeTyped)} elements)`);
    }
    return fromStorage(data.slice(), shapeTyped, type);
  }
  let values: ArrayLike<number>;
  let inferred: number[];
  if (ArrayBuffer.isView(data)) {
    values = data;
    inferred = [data.length];
  } else {
    inferred = inferShape(data);
    const flat: number[] = [];
    flatten(data, inferred, flat);
    values = flat;
  }
  const finalShape = shape ?? inferred;
  assertValidShape('tensor', finalShape);
  if (sizeOf(finalShape) !== values.length) {
    throw new InvalidArgumentError('tensor', `${values.length} values do not fill shape ${formatShape(finalShape)} (${sizeOf(finalShape)} elements)`);
  }
  if (type === 'int32') {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        throw new InvalidArgumentError('tensor', `value ${v} at flat index ${i} is not an int32`);
      }
    }
  }
  return fromStorage(encode(values, type), finalShape, type);
}

/**
 * A rank-0 tensor (float32 for numbers, bool for booleans, unless `dtype` says otherwise).
 *
 * @example
 * ```ts
 * const lr = scalar(3e-4);
 * const step = scalar(10, 'int32');
 * ```
 */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, [], dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32'));
}

/**
 * A tensor filled with `value`.
 *
 * @example
 * ```ts
 * const mask = full([T, T], -Infinity);
 * const ids = full([B, T], 0, 'int32');
 * ```
 */
export function full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  assertValidShape('full', shape);
  const out = allocStorage(dtype, sizeOf(shape));
  out.fill(encoderFor(dtype)(value));
  return fromStorage(out, shape, dtype);
}

/**
 * A tensor of zeros.
 *
 * @example
 * ```ts
 * const h = zeros([2, 3]);             // float32
 * const counts = zeros([V], 'int32');
 * ```
 */
export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return full(shape, 0, dtype);
}

/**
 * A tensor of ones.
 *
 * @example
 * ```ts
 * const weight = ones([768]);          // LayerNorm weight
 * const x = ones([2, 3], 'float64');
 * ```
 */
export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return full(shape, 1, dtype);
}

/**
 * A tensor of zeros with x's shape and dtype.
 *
 * @example
 * ```ts
 * const m = zerosLike(w); // Adam's first moment
 * ```
 */
export function zerosLike(x: Tensor): Tensor {
  return full(x.shape, 0, x.dtype);
}

/**
 * A tensor of ones with x's shape and dtype.
 *
 * @example
 * ```ts
 * const dy = onesLike(y); // seed gradient
 * ```
 */
export function onesLike(x: Tensor): Tensor {
  return full(x.shape, 1, x.dtype);
}

/**
 * A tensor of x's shape and dtype filled with `value`.
 *
 * @example
 * ```ts
 * const blocked = fullLike(scores, -Infinity);
 * ```
 */
export function fullLike(x: Tensor, value: number): Tensor {
  return full(x.shape, value, x.dtype);
}

/**
 * Values `start, start + step, ...` below `stop` (a 1-D tensor).
 *
 * @example
 * ```ts
 * arange(5);                 // [0, 1, 2, 3, 4] int32
 * arange(0, 1, 0.25, 'float32');
 * ```
 */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'int32'): Tensor {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0 || !Number.isFinite(step)) throw new InvalidArgumentError('arange', `step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((to - from) / step));
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = from + i * step;
  return fromStorage(encode(values, dtype), [n], dtype);
}

/**
 * Options shared by {@link randn} and {@link rand}.
 *
 * @example
 * ```ts
 * const options: RandomOptions = { seed: 1, dtype: 'float64' };
 * const w = randn([4, 4], options);
 * ```
 */
export interface RandomOptions {
  /** Seed for a fresh generator; without it the process-wide generator (`manualSeed`) is used. */
  seed?: number;
  /** Floating-point dtype of the result (default float32). */
  dtype?: DType;
}

function randomTensor(op: string, shape: Shape, options: RandomOptions, sample: (g: Generator) => number): Tensor {
  assertValidShape(op, shape);
  const dtype = options.dtype ?? 'float32';
  if (!isFloat(dtype)) throw new DTypeError(op, [dtype], 'random values need a floating-point dtype');
  const generator = options.seed === undefined ? globalGenerator() : new Generator(options.seed);
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = sample(generator);
  return fromStorage(encode(values, dtype), shape, dtype);
}

/**
 * Normal samples, reproducible for a given seed.
 *
 * @example
 * ```ts
 * const w = randn([256, 256], { seed: 1, std: 0.02 });
 * ```
 */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const { mean = 0, std = 1 } = options;
  return randomTensor('randn', shape, options, (g) => mean + std * g.nextNormal());
}

/**
 * Uniform samples in [low, high), reproducible for a given seed.
 *
 * @example
 * ```ts
 * const u = rand([3], { seed: 7, low: -1, high: 1 });
 * ```
 */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const { low = 0, high = 1 } = options;
  return randomTensor('rand', shape, options, (g) => low + (high - low) * g.nextDouble());
}
