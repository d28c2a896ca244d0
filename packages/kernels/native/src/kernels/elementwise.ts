/**
 * Elementwise kernels (native/elementwise.cc). Inputs may have any strides (stride 0 for
 * broadcast dims); the output is contiguous.
 *
 *   unary    y[i] = f(x[i])           float32 (SIMD), float64, int32 (Neg, Abs, Sign, Relu)
 *   binary   y[i] = a[i] (op) b[i]    float32 (SIMD), float64, int32
 *   compare  y[i] = a[i] (cmp) b[i]   -> bool
 *   Where    y[i] = cond[i] ? a[i] : b[i]; PowScalar, Clamp (unary with parameters)
 *   Cast     every dtype pair, half storage included; Copy any strided view -> contiguous
 */
import { kernels as K, type KernelDef, type TensorInfo } from '@tessera/tensor';
import type { NativeBackend } from '../backend.js';
import { DTYPE_CODE, rowMajor } from '../addon.js';
import { BINARY, COMPARE, UNARY, nativeKernel, type NativeKernel } from './registration.js';

/** y = op(x) with parameters p0, p1 (exponent, clamp bounds). */
export function runUnary(backend: NativeBackend, op: number, x: TensorInfo, y: TensorInfo, p0 = 0, p1 = 0): void {
  backend.call().push(op, p0, p1).view(x);
  backend.addon.unary(backend.array(x.handle), backend.array(y.handle));
}

function unary(def: KernelDef, op: number): NativeKernel {
  return nativeKernel(def, ({ backend, inputs: [x], outputs: [y] }) => runUnary(backend, op, x!, y!));
}

function binary(def: KernelDef, op: number): NativeKernel {
  return nativeKernel(def, ({ backend, inputs: [a, b], outputs: [y] }) => {
    backend.call().push(op).view(a!).view(b!);
    backend.addon.binary(backend.array(a!.handle), backend.array(b!.handle), backend.array(y!.handle));
  });
}

function compare(def: KernelDef, op: number): NativeKernel {
  return nativeKernel(def, ({ backend, inputs: [a, b], outputs: [y] }) => {
    backend.call().push(op).view(a!).view(b!);
    backend.addon.compare(backend.array(a!.handle), backend.array(b!.handle), backend.array(y!.handle));
  });
}

export const elementwiseKernels: NativeKernel[] = [
  unary(K.Neg, UNARY.neg),
  unary(K.Abs, UNARY.abs),
  unary(K.Sign, UNARY.sign),
  unary(K.Exp, UNARY.exp),
  unary(K.Log, UNARY.log),
  unary(K.Sqrt, UNARY.sqrt),
  unary(K.Rsqrt, UNARY.rsqrt),
  unary(K.Tanh, UNARY.tanh),
  unary(K.Sigmoid, UNARY.sigmoid),
  unary(K.Relu, UNARY.relu),
  unary(K.Erf, UNARY.erf),
  binary(K.Add, BINARY.add),
  binary(K.Sub, BINARY.sub),
  binary(K.Mul, BINARY.mul),
  binary(K.Div, BINARY.div),
  binary(K.Maximum, BINARY.maximum),
  binary(K.Minimum, BINARY.minimum),
  compare(K.Equal, COMPARE.eq),
  compare(K.NotEqual, COMPARE.ne),
  compare(K.Less, COMPARE.lt),
  compare(K.LessEqual, COMPARE.le),
  compare(K.Greater, COMPARE.gt),
  compare(K.GreaterEqual, COMPARE.ge),
  nativeKernel(K.PowScalar, ({ backend, inputs: [x], outputs: [y], attrs: { exponent } }) =>
    runUnary(backend, UNARY.pow, x!, y!, exponent)),
  nativeKernel(K.Clamp, ({ backend, inputs: [x], outputs: [y], attrs: { min, max } }) =>
    runUnary(backend, UNARY.clamp, x!, y!, min ?? -Infinity, max ?? Infinity)),
  nativeKernel(K.Where, ({ backend, inputs: [c, a, b], outputs: [y] }) => {
    backend.call().view(c!).view(a!).view(b!);
    backend.addon.where(backend.array(c!.handle), backend.array(a!.handle), backend.array(b!.handle), backend.array(y!.handle));
  }),
  nativeKernel(K.Cast, ({ backend, inputs: [x], outputs: [y] }) => {
    backend.call().push(DTYPE_CODE[y!.dtype]).view(x!);
    backend.addon.cast(backend.array(x!.handle), backend.array(y!.handle));
  }),
  nativeKernel(K.Copy, ({ backend, inputs: [x], outputs: [y] }) => {
    backend.call().push(0).view(x!).push(...rowMajor(x!.shape));
    backend.addon.copy(backend.array(x!.handle), backend.array(y!.handle));
  }),
];
