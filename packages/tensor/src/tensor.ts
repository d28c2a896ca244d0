/**
 * Tensor: a strided view (shape, strides, offset) into reference-counted storage owned by a
 * backend. Views (reshape, transpose, slice, expand) share storage without copying; `dispose()`
 * releases this view, and the buffer is freed when its last view is gone.
 */
import type { Backend, DataHandle, TensorInfo } from './backend.js';
import { decodeStorage, type DataArray, type DType } from './dtype.js';
import { DisposedError, InvalidArgumentError } from './errors.js';
import { isContiguous, sizeOf, formatShape, type Shape } from './shape.js';
import * as ops from './ops/index.js';

/** @internal Reference-counted backend buffer. */
export class Storage {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly handle: DataHandle,
    readonly dtype: DType,
    readonly size: number,
  ) {}

  release(): void {
    if (--this.refs === 0) this.backend.dispose(this.handle);
  }
}

type Axes = number | readonly number[] | null | undefined;

/**
 * An n-dimensional array on a backend: a strided view into reference-counted storage. Create
 * tensors with the creation functions (`tensor`, `zeros`, `randn`...); methods mirror the ops.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);
 * const y = x.matmul(x.transpose()).relu().sum(-1, true); // [2, 1]
 * console.log(y.shape, y.dtype, await y.data());
 * x.dispose();
 * ```
 */
export class Tensor {
  readonly size: number;
  readonly dtype: DType;
  #disposed = false;

  /** @internal Use the creation functions (`tensor`, `zeros`, `randn`...). */
  constructor(
    /** Unique per process; useful in error messages. */
    readonly id: number,
    /** @internal */
    readonly storage: Storage,
    readonly shape: Shape,
    readonly strides: Shape,
    readonly offset: number,
    private readonly onDispose: (t: Tensor) => void,
  ) {
    this.size = sizeOf(shape);
    this.dtype = storage.dtype;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** True when the elements are laid out row-major without gaps from `offset`. */
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** @internal True when this view is exactly its whole buffer, row-major: it can be read as is. */
  get coversStorage(): boolean {
    return this.isContiguous && this.offset === 0 && this.size === this.storage.size;
  }

  /** @internal What a kernel sees. */
  get info(): TensorInfo {
    return { handle: this.storage.handle, dtype: this.dtype, shape: this.shape, strides: this.strides, offset: this.offset, size: this.size };
  }

  /**
   * Release this tensor. Idempotent. Using it afterwards throws DisposedError.
   *
   * @example
   * ```ts
   * const h = relu(matmul(x, w));
   * console.log(await h.data());
   * h.dispose();
   * ```
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.storage.release();
    this.onDispose(this);
  }

  /** @internal */
  assertAlive(op: string): void {
    if (this.#disposed) throw new DisposedError(op, this.id);
  }

  /**
   * The elements in row-major order. float16/bfloat16 are decoded to a Float32Array; bool is a
   * Uint8Array of 0/1. The array is a copy.
   *
   * @example
   * ```ts
   * const values = await matmul(a, b).data();
   * ```
   */
  async data(): Promise<DataArray> {
    this.assertAlive('data');
    const source = this.coversStorage ? this : ops.contiguous(this, true);
    try {
      const raw = await source.storage.backend.read(source.storage.handle);
      return decodeStorage(this.dtype, raw);
    } finally {
      if (source !== this) source.dispose();
    }
  }

  /**
   * Synchronous `data()`, only on backends whose memory is on the host (the CPU backends).
   *
   * @example
   * ```ts
   * const values = softmax(logits).dataSync(); // Float32Array
   * ```
   */
  dataSync(): DataArray {
    this.assertAlive('dataSync');
    const backend = this.storage.backend;
    if (!backend.readSync) {
      throw new InvalidArgumentError('dataSync', `backend '${backend.name}' reads asynchronously`, 'use await tensor.data()');
    }
    const source = this.coversStorage ? this : ops.contiguous(this, true);
    try {
      return decodeStorage(this.dtype, backend.readSync(source.storage.handle).slice());
    } finally {
      if (source !== this) source.dispose();
    }
  }

  /**
   * The single element of a one-element tensor.
   *
   * @example
   * ```ts
   * const loss = await crossEntropy(logits, targets).item();
   * ```
   */
  async item(): Promise<number> {
    if (this.size !== 1) throw new InvalidArgumentError('item', `tensor of shape ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return (await this.data())[0]!;
  }

  /**
   * Nested arrays in row-major order.
   *
   * @example
   * ```ts
   * await tensor([1, 2, 3, 4], [2, 2]).array(); // [[1, 2], [3, 4]]
   * ```
   */
  async array(): Promise<unknown> {
    const flat = await this.data();
    const build = (dim: number, start: number): unknown => {
      if (dim === this.rank) return flat[start];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim]! }, (_, i) => build(dim + 1, start + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor#${this.id}(${formatShape(this.shape)}, ${this.dtype}${this.#disposed ? ', disposed' : ''})`;
  }

  // Methods mirror the functional ops in ./ops; see those for documentation.
  add(other: Tensor | number): Tensor { return ops.add(this, other); }
  sub(other: Tensor | number): Tensor { return ops.sub(this, other); }
  mul(other: Tensor | number): Tensor { return ops.mul(this, other); }
  div(other: Tensor | number): Tensor { return ops.div(this, other); }
  pow(exponent: number): Tensor { return ops.pow(this, exponent); }
  neg(): Tensor { return ops.neg(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  abs(): Tensor { return ops.abs(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return ops.gelu(this, approximate); }
  clamp(min: number | null, max: number | null = null): Tensor { return ops.clamp(this, min, max); }
  maskedFill(mask: Tensor, value: number): Tensor { return ops.maskedFill(this, mask, value); }
  eq(other: Tensor | number): Tensor { return ops.eq(this, other); }
  ne(other: Tensor | number): Tensor { return ops.ne(this, other); }
  lt(other: Tensor | number): Tensor { return ops.lt(this, other); }
  le(other: Tensor | number): Tensor { return ops.le(this, other); }
  gt(other: Tensor | number): Tensor { return ops.gt(this, other); }
  ge(other: Tensor | number): Tensor { return ops.ge(this, other); }
  sum(axis?: Axes, keepDims = false): Tensor { return ops.sum(this, axis, keepDims); }
  mean(axis?: Axes, keepDims = false): Tensor { return ops.mean(this, axis, keepDims); }
  max(axis?: Axes, keepDims = false): Tensor { return ops.max(this, axis, keepDims); }
  min(axis?: Axes, keepDims = false): Tensor { return ops.min(this, axis, keepDims); }
  argmax(axis = -1, keepDims = false): Tensor { return ops.argmax(this, axis, keepDims); }
  argmin(axis = -1, keepDims = false): Tensor { return ops.argmin(this, axis, keepDims); }
  logsumexp(axis: Axes = -1, keepDims = false): Tensor { return ops.logsumexp(this, axis, keepDims); }
  var(axis?: Axes, keepDims = false, correction = 1): Tensor { return ops.variance(this, axis, keepDims, correction); }
  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  transpose(axis0 = -2, axis1 = -1): Tensor { return ops.transpose(this, axis0, axis1); }
  permute(axes: readonly number[]): Tensor { return ops.permute(this, axes); }
  slice(axis: number, start: number, end?: number): Tensor { return ops.slice(this, axis, start, end); }
  expand(shape: readonly number[]): Tensor { return ops.expand(this, shape); }
  squeeze(axis?: number | readonly number[]): Tensor { return ops.squeeze(this, axis); }
  unsqueeze(axis: number): Tensor { return ops.unsqueeze(this, axis); }
  contiguous(): Tensor { return ops.contiguous(this); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  detach(): Tensor { return ops.detach(this); }
}
