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

export const Neg = unary('Neg', { float: false });
export const Abs = unary('Abs', { float: false });
export const Sign = unary('Sign', { float: false, differentiable: false });
export const Exp = unary('Exp');
export const Log = unary('Log');
export const Sqrt = unary('Sqrt');
export const Rsqrt = unary('Rsqrt');
export const Tanh = unary('Tanh');
export const Sigmoid = unary('Sigmoid');
export const Relu = unary('Relu', { float: false });
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

export const Add = binary('Add');
export const Sub = binary('Sub');
export const Mul = binary('Mul');
export const Div = binary('Div');
export const Maximum = binary('Maximum');
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

export const Equal = compare('Equal');
export const NotEqual = compare('NotEqual');
export const Less = compare('Less');
export const LessEqual = compare('LessEqual');
export const Greater = compare('Greater');
export const GreaterEqual = compare('GreaterEqual');

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

export const PowScalar = defineKernel<{ exponent: number }>({
  name: 'PowScalar',
  inputs: ['x'],
  strided: true,
  infer: ([x]) => {
    requireFloat('PowScalar', x!);
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
});

export const Clamp = defineKernel<{ min: number | null; max: number | null }>({
  name: 'Clamp',
  inputs: ['x'],
  strided: true,
  infer: ([x]) => {
    if (x!.dtype === 'bool') throw new DTypeError('Clamp', [x!.dtype], 'does not accept bool');
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
});

export const Cast = defineKernel<{ dtype: DType }>({
  name: 'Cast',
  inputs: ['x'],
  strided: true,
  half: true,
  infer: ([x], { dtype }) => [{ shape: x!.shape, dtype }],
});
