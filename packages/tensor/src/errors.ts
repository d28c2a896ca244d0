/**
 * Typed errors. Every error thrown by Tessera derives from {@link TesseraError}, carries
 * structured fields and a `hint` that says what to do.
 *
 * @example
 * ```ts
 * try { add(zeros([2, 3]), zeros([4])); }
 * catch (e) { if (ShapeError.isInstance(e)) console.log(e.op, e.shapes, e.hint); }
 * ```
 */
const marker = Symbol.for('tessera.error');

/**
 * Base class of every error Tessera throws: a message plus a `hint` that says what to do.
 *
 * @example
 * ```ts
 * try {
 *   reshape(x, [7, -1]);
 * } catch (e) {
 *   if (!TesseraError.isInstance(e)) throw e;
 *   console.error(e.message, e.hint);
 * }
 * ```
 */
export class TesseraError extends Error {
  readonly [marker] = true;
  /** What the user can do about it. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${message}\nHINT: ${options.hint}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }

  /** True for any Tessera error, even one thrown by another installed copy of this package. */
  static isInstance(value: unknown): value is TesseraError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}

/**
 * Shapes that do not fit the operation. Names the op and every shape involved.
 *
 * @example
 * ```ts
 * try {
 *   matmul(zeros([2, 3]), zeros([4, 5]));
 * } catch (e) {
 *   if (ShapeError.isInstance(e)) console.log(e.op, e.shapes); // 'matmul' [[2, 3], [4, 5]]
 * }
 * ```
 */
export class ShapeError extends TesseraError {
  constructor(
    readonly op: string,
    readonly shapes: readonly (readonly number[])[],
    detail: string,
    hint?: string,
  ) {
    super(`${op}: ${detail} (shapes: ${shapes.map((s) => `[${s.join(', ')}]`).join(', ')})`, hint === undefined ? {} : { hint });
  }

  static override isInstance(value: unknown): value is ShapeError {
    return TesseraError.isInstance(value) && value.name === 'ShapeError';
  }
}

/**
 * A dtype the operation does not accept, or two dtypes that do not match.
 *
 * @example
 * ```ts
 * try {
 *   add(zeros([2]), zeros([2], 'int32'));
 * } catch (e) {
 *   if (DTypeError.isInstance(e)) console.log(e.dtypes, e.hint); // ['float32', 'int32'] 'cast one side: ...'
 * }
 * ```
 */
export class DTypeError extends TesseraError {
  constructor(
    readonly op: string,
    readonly dtypes: readonly string[],
    detail: string,
    hint?: string,
  ) {
    super(`${op}: ${detail} (dtypes: ${dtypes.join(', ')})`, hint === undefined ? {} : { hint });
  }

  static override isInstance(value: unknown): value is DTypeError {
    return TesseraError.isInstance(value) && value.name === 'DTypeError';
  }
}

/**
 * A tensor was used after `dispose()` (directly or by the scope that owned it).
 *
 * @example
 * ```ts
 * const x = ones([2]);
 * x.dispose();
 * try {
 *   exp(x);
 * } catch (e) {
 *   if (DisposedError.isInstance(e)) console.log(e.tensorId === x.id); // true
 * }
 * ```
 */
export class DisposedError extends TesseraError {
  constructor(readonly op: string, readonly tensorId: number) {
    super(`${op}: tensor #${tensorId} was used after it was disposed`, {
      hint: 'keep() the tensor or return it from the scope() callback that created it, or dispose it later',
    });
  }

  static override isInstance(value: unknown): value is DisposedError {
    return TesseraError.isInstance(value) && value.name === 'DisposedError';
  }
}

/**
 * No kernel for (kernel, backend) and no decomposition into primitives.
 *
 * @example
 * ```ts
 * const Silu = defineKernel({ name: 'Silu', inputs: ['x'], infer: ([x]) => [x!] }); // no decompose
 * try {
 *   runKernel(Silu, [x], {});
 * } catch (e) {
 *   if (KernelNotFoundError.isInstance(e)) console.log(e.kernel, e.backend, e.registered); // 'Silu' 'cpu' []
 * }
 * ```
 */
export class KernelNotFoundError extends TesseraError {
  constructor(
    readonly kernel: string,
    readonly backend: string,
    readonly registered: readonly string[],
  ) {
    super(
      `no kernel '${kernel}' for backend '${backend}' and it has no decomposition; ` +
        `'${kernel}' is registered for: ${registered.length ? registered.join(', ') : 'no backend'}`,
      { hint: `register one with kernel(${kernel}, impl) in the backend's kernel list, or run on a backend that has it` },
    );
  }

  static override isInstance(value: unknown): value is KernelNotFoundError {
    return TesseraError.isInstance(value) && value.name === 'KernelNotFoundError';
  }
}

/**
 * An argument that is out of range or malformed (axis, index, data length, attribute).
 *
 * @example
 * ```ts
 * try {
 *   tensor([1, 2, 3], [2, 2]);
 * } catch (e) {
 *   if (InvalidArgumentError.isInstance(e)) console.log(e.op, e.message); // 'tensor' '3 values do not fill ...'
 * }
 * ```
 */
export class InvalidArgumentError extends TesseraError {
  constructor(readonly op: string, detail: string, hint?: string) {
    super(`${op}: ${detail}`, hint === undefined ? {} : { hint });
  }

  static override isInstance(value: unknown): value is InvalidArgumentError {
    return TesseraError.isInstance(value) && value.name === 'InvalidArgumentError';
  }
}
