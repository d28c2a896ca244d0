/**
 * Elementwise primitives. Inputs of binary and ternary kernels have equal shapes: ops broadcast
 * them beforehand with stride-0 `Expand` views, so implementations must accept any strides.
 *
 *   unary   y[i] = f(x[i])            f in neg, exp, log, sqrt, rsqrt, abs, tanh, sigmoid, relu, erf, sign
 *   binary  y[i] = a[i] (op) b[i]     op in add, sub, mul, div, maximum, minimum
 *   compare y[i] = a[i] (cmp) b[i]    -> bool
 *   where   y[i] = cond[i] ? a[i] : b[i]
 *   PowScalar y = x^exponent; Clamp y = min(max(x, min), max); Cast y = x converted to dtype
 */
import { isFloat, type DType } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { defineKernel, type KernelDef, type TensorMeta } from '../kernel.js';
import { shapesEqual } from '../shape.js';

function requireFloat(op: string, x: TensorMeta): void {
  if (!isFloat(x.dtype)) throw new DTypeError(op, [x.dtype], 'needs a floating-point input', `cast the input first: x.cast('float32')`);
}

function sameShapes(op: string, metas: readonly TensorMeta[]): void {
  const first = metas[0]!.shape;
  if (!metas.every((m) => shapesEqual(m.shape, first))) {
    throw new ShapeError(op, metas.map((m) => m.shape), 'kernel inputs must have equal shapes (ops broadcast before dispatch)');
  }
}

function sameDTypes(op: string, metas: readonly TensorMeta[]): DType {
  const dtype = metas[0]!.dtype;
  if (!metas.every((m) => m.dtype === dtype)) {
    throw new DTypeError(op, metas.map((m) => m.dtype), 'inputs must have the same dtype', 'cast one side: a.cast(b.dtype)');
  }
  return dtype;
}

function unary(name: string, options: { float?: boolean; differentiable?: false } = {}): KernelDef {
  return defineKernel({
    name,
    inputs: ['x'],
    strided: true,
    ...(options.differentiable === false ? { differentiable: false as const } : {}),
    infer: ([x]) => {
      if (options.float !== false) requireFloat(name, x!);
      if (x!.dtype === 'bool') throw new DTypeError(name, [x!.dtype], 'does not accept bool', `cast first: x.cast('float32')`);
      return [{ shape: x!.shape, dtype: x!.dtype }];
    },
  });
}

/**
 * Neg: y = -x (any dtype but bool).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Neg, [x], {});
 * ```
 */
export const Neg = unary('Neg', { float: false });
/**
 * Abs: y = |x| (any dtype but bool).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Abs, [x], {});
 * ```
 */
export const Abs = unary('Abs', { float: false });
/**
 * Sign: y = -1, 0 or 1 (not differentiable).
 *
 * @example
 * ```ts
 * const [s] = runKernel(kernels.Sign, [x], {});
 * ```
 */
export const Sign = unary('Sign', { float: false, differentiable: false });
/**
 * Exp: y = e^x (floating point).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Exp, [x], {});
 * const expCpu = kernel(kernels.Exp, impl); // a backend's implementation
 * ```
 */
export const Exp = unary('Exp');
/**
 * Log: natural logarithm (floating point).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Log, [probs], {});
 * ```
 */
export const Log = unary('Log');
/**
 * Sqrt: square root (floating point).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Sqrt, [x], {});
 * ```
 */
export const Sqrt = unary('Sqrt');
/**
 * Rsqrt: y = 1 / sqrt(x) (floating point).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Rsqrt, [x], {});
 * ```
 */
export const Rsqrt = unary('Rsqrt');
/**
 * Tanh: hyperbolic tangent (floating point).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Tanh, [x], {});
 * ```
 */
export const Tanh = unary('Tanh');
/**
 * Sigmoid: y = 1 / (1 + e^-x) (floating point).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Sigmoid, [x], {});
 * ```
 */
export const Sigmoid = unary('Sigmoid');
/**
 * Relu: y = max(x, 0) (any dtype but bool).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Relu, [x], {});
 * ```
 */
export const Relu = unary('Relu', { float: false });
/**
 * Erf: Gauss error function (floating point).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Erf, [x], {});
 * ```
 */
export const Erf = unary('Erf');

function binary(name: string): KernelDef {
  return defineKernel({
    name,
    inputs: ['a', 'b'],
    strided: true,
    infer: (inputs) => {
      sameShapes(name, inputs);
      const dtype = sameDTypes(name, inputs);
      if (dtype === 'bool') throw new DTypeError(name, [dtype, dtype], 'does not accept bool', `cast first: x.cast('float32')`);
      return [{ shape: inputs[0]!.shape, dtype }];
    },
  });
}

/**
 * Add: y = a + b on inputs of equal shape and dtype (ops broadcast first).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Add, [a, b], {});
 * ```
 */
export const Add = binary('Add');
/**
 * Sub: y = a - b on inputs of equal shape and dtype (ops broadcast first).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Sub, [a, b], {});
 * ```
 */
export const Sub = binary('Sub');
/**
 * Mul: y = a * b on inputs of equal shape and dtype (ops broadcast first).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Mul, [a, b], {});
 * ```
 */
export const Mul = binary('Mul');
/**
 * Div: y = a / b on inputs of equal shape and dtype (ops broadcast first).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Div, [a, b], {});
 * ```
 */
export const Div = binary('Div');
/**
 * Maximum: y = elementwise max(a, b) on inputs of equal shape and dtype (ops broadcast first).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Maximum, [a, b], {});
 * ```
 */
export const Maximum = binary('Maximum');
/**
 * Minimum: y = elementwise min(a, b) on inputs of equal shape and dtype (ops broadcast first).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Minimum, [a, b], {});
 * ```
 */
export const Minimum = binary('Minimum');

function compare(name: string): KernelDef {
  return defineKernel({
    name,
    inputs: ['a', 'b'],
    strided: true,
    differentiable: false,
    infer: (inputs) => {
      sameShapes(name, inputs);
      sameDTypes(name, inputs);
      return [{ shape: inputs[0]!.shape, dtype: 'bool' }];
    },
  });
}

/**
 * Equal: y = a == b -> bool, on inputs of equal shape and dtype (not differentiable).
 *
 * @example
 * ```ts
 * const [mask] = runKernel(kernels.Equal, [a, b], {});
 * ```
 */
export const Equal = compare('Equal');
/**
 * NotEqual: y = a != b -> bool, on inputs of equal shape and dtype (not differentiable).
 *
 * @example
 * ```ts
 * const [mask] = runKernel(kernels.NotEqual, [a, b], {});
 * ```
 */
export const NotEqual = compare('NotEqual');
/**
 * Less: y = a < b -> bool, on inputs of equal shape and dtype (not differentiable).
 *
 * @example
 * ```ts
 * const [mask] = runKernel(kernels.Less, [a, b], {});
 * ```
 */
export const Less = compare('Less');
/**
 * LessEqual: y = a <= b -> bool, on inputs of equal shape and dtype (not differentiable).
 *
 * @example
 * ```ts
 * const [mask] = runKernel(kernels.LessEqual, [a, b], {});
 * ```
 */
export const LessEqual = compare('LessEqual');
/**
 * Greater: y = a > b -> bool, on inputs of equal shape and dtype (not differentiable).
 *
 * @example
 * ```ts
 * const [mask] = runKernel(kernels.Greater, [a, b], {});
 * ```
 */
export const Greater = compare('Greater');
/**
 * GreaterEqual: y = a >= b -> bool, on inputs of equal shape and dtype (not differentiable).
 *
 * @example
 * ```ts
 * const [mask] = runKernel(kernels.GreaterEqual, [a, b], {});
 * ```
 */
export const GreaterEqual = compare('GreaterEqual');

/**
 * Where: y = cond ? a : b, with a bool cond and equal shapes.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Where, [gt(x, 0), x, zerosLike(x)], {});
 * ```
 */
export const Where = defineKernel({
  name: 'Where',
  inputs: ['cond', 'a', 'b'],
  strided: true,
  infer: (inputs) => {
    sameShapes('Where', inputs);
    const [cond, a, b] = inputs as [TensorMeta, TensorMeta, TensorMeta];
    if (cond.dtype !== 'bool') throw new DTypeError('Where', [cond.dtype], 'the condition must be bool', 'compare first, e.g. gt(x, 0)');
    return [{ shape: a.shape, dtype: sameDTypes('Where', [a, b]) }];
  },
});

/**
 * PowScalar: y = x^exponent for a constant exponent (floating point).
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.PowScalar, [x], { exponent: 2 });
 * ```
 */
export const PowScalar = defineKernel<{ exponent: number }>({
  name: 'PowScalar',
  inputs: ['x'],
  strided: true,
  infer: ([x]) => {
    requireFloat('PowScalar', x!);
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
});

/**
 * Clamp: y = min(max(x, min), max); a null bound is open.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Clamp, [x], { min: -1, max: null });
 * ```
 */
export const Clamp = defineKernel<{ min: number | null; max: number | null }>({
  name: 'Clamp',
  inputs: ['x'],
  strided: true,
  infer: ([x]) => {
    if (x!.dtype === 'bool') throw new DTypeError('Clamp', [x!.dtype], 'does not accept bool');
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
});

/**
 * Cast: x converted to `dtype`.
 *
 * @example
 * ```ts
 * const [y] = runKernel(kernels.Cast, [x], { dtype: 'float16' });
 * ```
 */
export const Cast = defineKernel<{ dtype: DType }>({
  name: 'Cast',
  inputs: ['x'],
  strided: true,
  half: true,
  infer: ([x], { dtype }) => [{ shape: x!.shape, dtype }],
});
