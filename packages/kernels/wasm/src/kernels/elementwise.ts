/**
 * Elementwise kernels. float32 runs in WASM (assembly/elementwise.ts) over strided inputs with
 * broadcasting (stride 0), SIMD along the innermost collapsed dimension:
 *
 *   unary    y[i] = f(x[i])         Neg Abs Exp Log Sqrt Rsqrt Tanh Sigmoid Relu Erf, PowScalar 2, Copy
 *   binary   y[i] = a[i] (op) b[i]  Add Sub Mul Div Maximum Minimum
 *
 * Contiguous maps of at least THREADED_ELEMENTS elements are split between the threads in fixed
 * chunks (src/kernels/rows.ts). Comparisons, Where, Sign, Clamp, Cast, general powers and other
 * dtypes run the reference loops on views of linear memory.
 */
import { kernels as K, type KernelDef, type TensorInfo } from '@tessera/tensor';
import type { WasmBackend } from '../backend.js';
import { runReference } from './reference.js';
import { ROWS, runRows, THREADED_ELEMENTS } from './rows.js';
import { BINARY, UNARY, wasmKernel, type WasmKernel } from './registration.js';
import { collapse, elementAddress, paramBytes, writeParams } from './strided.js';

/** y = op(x) for float32 x and y (y contiguous). */
export function runUnary(backend: WasmBackend, op: number, x: TensorInfo, y: TensorInfo): void {
  if (y.size === 0) return;
  backend.claim(y.handle);
  const view = collapse(x.shape, [x.strides]);
  if (backend.threads > 1 && y.size >= THREADED_ELEMENTS && view.shape.length === 1 && view.strides[0]![0] === 1) {
    runRows(backend, { kind: ROWS.unary, op, rows: y.size, n: 1, x: elementAddress(backend.address(x.handle), x), y: backend.address(y.handle) });
    return;
  }
  const params = backend.scratch(paramBytes(view.shape.length, 1));
  writeParams(backend.heap.views.i32, params, view);
  backend.exports.unary(op, elementAddress(backend.address(x.handle), x), backend.address(y.handle), params);
}

function runBinary(backend: WasmBackend, op: number, a: TensorInfo, b: TensorInfo, y: TensorInfo): void {
  if (y.size === 0) return;
  backend.claim(y.handle);
  const view = collapse(y.shape, [a.strides, b.strides]);
  if (backend.threads > 1 && y.size >= THREADED_ELEMENTS && view.shape.length === 1 && view.strides[0]![0] === 1 && view.strides[1]![0] === 1) {
    runRows(backend, {
      kind: ROWS.binary, op, rows: y.size, n: 1, x: elementAddress(backend.address(a.handle), a), w: elementAddress(backend.address(b.handle), b),
      y: backend.address(y.handle),
    });
    return;
  }
  const params = backend.scratch(paramBytes(view.shape.length, 2));
  writeParams(backend.heap.views.i32, params, view);
  backend.exports.binary(op, elementAddress(backend.address(a.handle), a), elementAddress(backend.address(b.handle), b),
    backend.address(y.handle), params);
}

function unary(def: KernelDef, op: number): WasmKernel {
  return wasmKernel(def, (context) => {
    const { backend, inputs: [x], outputs: [y] } = context;
    if (x!.dtype === 'float32' && y!.dtype === 'float32') runUnary(backend, op, x!, y!);
    else runReference(def, context);
  });
}

function binary(def: KernelDef, op: number): WasmKernel {
  return wasmKernel(def, (context) => {
    const { backend, inputs: [a, b], outputs: [y] } = context;
    if (a!.dtype === 'float32' && b!.dtype === 'float32' && y!.dtype === 'float32') runBinary(backend, op, a!, b!, y!);
    else runReference(def, context);
  });
}

export const elementwiseKernels: WasmKernel[] = [
  unary(K.Neg, UNARY.neg),
  unary(K.Abs, UNARY.abs),
  unary(K.Exp, UNARY.exp),
  unary(K.Log, UNARY.log),
  unary(K.Sqrt, UNARY.sqrt),
  unary(K.Rsqrt, UNARY.rsqrt),
  unary(K.Tanh, UNARY.tanh),
  unary(K.Sigmoid, UNARY.sigmoid),
  unary(K.Relu, UNARY.relu),
  unary(K.Erf, UNARY.erf),
  unary(K.Copy, UNARY.copy),
  binary(K.Add, BINARY.add),
  binary(K.Sub, BINARY.sub),
  binary(K.Mul, BINARY.mul),
  binary(K.Div, BINARY.div),
  binary(K.Maximum, BINARY.maximum),
  binary(K.Minimum, BINARY.minimum),
  wasmKernel(K.PowScalar, (context) => {
    const { backend, inputs: [x], outputs: [y], attrs: { exponent } } = context;
    if (exponent === 2 && x!.dtype === 'float32' && y!.dtype === 'float32') runUnary(backend, UNARY.square, x!, y!);
    else runReference(K.PowScalar, context);
  }),
];
