/**
 * Elementwise kernels on strided inputs. Each output is contiguous; inputs are read through
 * their offsets (stride 0 for broadcast dims). Values are computed in float64 and stored in the
 * output's typed array (float32 rounds once, int32 truncates).
 */
import type { TensorInfo } from '../../../backend.js';
import { decoderFor, encoderFor } from '../../../dtype.js';
import * as K from '../../../kernels/elementwise.js';
import { Copy } from '../../../kernels/copy.js';
import type { CpuBackend } from '../backend.js';
import { cpuKernel, type CpuKernel } from '../registration.js';
import { erf, sigmoid } from '../math.js';
import { stridedOffsets } from '../strided.js';

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

/** y[i] = f(x[i]) */
export function mapUnary(backend: CpuBackend, x: TensorInfo, y: TensorInfo, f: Fn1): void {
  const xs = backend.array(x.handle);
  const ys = backend.array(y.handle);
  const at = stridedOffsets(x);
  const n = y.size;
  if (at) for (let i = 0; i < n; i++) ys[i] = f(xs[at[i]!]!);
  else for (let i = 0, o = x.offset; i < n; i++) ys[i] = f(xs[o + i]!);
}

function mapBinary(backend: CpuBackend, a: TensorInfo, b: TensorInfo, y: TensorInfo, f: Fn2): void {
  const as = backend.array(a.handle);
  const bs = backend.array(b.handle);
  const ys = backend.array(y.handle);
  const aAt = stridedOffsets(a);
  const bAt = stridedOffsets(b);
  const n = y.size;
  if (!aAt && !bAt) {
    for (let i = 0, ao = a.offset, bo = b.offset; i < n; i++) ys[i] = f(as[ao + i]!, bs[bo + i]!);
  } else {
    for (let i = 0; i < n; i++) ys[i] = f(as[aAt ? aAt[i]! : a.offset + i]!, bs[bAt ? bAt[i]! : b.offset + i]!);
  }
}

function unary(def: typeof K.Exp, f: Fn1): CpuKernel {
  return cpuKernel(def, ({ backend, inputs: [x], outputs: [y] }) =>
    mapUnary(backend, x!, y!, f));
}

function binary(def: typeof K.Add, f: Fn2): CpuKernel {
  return cpuKernel(def, ({ backend, inputs: [a, b], outputs: [y] }) =>
    mapBinary(backend, a!, b!, y!, f));
}

export const elementwiseKernels: CpuKernel[] = [
  unary(K.Neg, (x) => -x),
  unary(K.Abs, Math.abs),
  unary(K.Sign, Math.sign),
  unary(K.Exp, Math.exp),
  unary(K.Log, Math.log),
  unary(K.Sqrt, Math.sqrt),
  unary(K.Rsqrt, (x) => 1 / Math.sqrt(x)),
  unary(K.Tanh, Math.tanh),
  unary(K.Sigmoid, sigmoid),
  unary(K.Relu, (x) => (x > 0 ? x : 0)),
  unary(K.Erf, erf),
  binary(K.Add, (a, b) => a + b),
  binary(K.Sub, (a, b) => a - b),
  binary(K.Mul, (a, b) => a * b),
  binary(K.Div, (a, b) => a / b),
  binary(K.Maximum, (a, b) => (a >= b || Number.isNaN(a) ? a : b)),
  binary(K.Minimum, (a, b) => (a <= b || Number.isNaN(a) ? a : b)),
  binary(K.Equal, (a, b) => (a === b ? 1 : 0)),
  binary(K.NotEqual, (a, b) => (a !== b ? 1 : 0)),
  binary(K.Less, (a, b) => (a < b ? 1 : 0)),
  binary(K.LessEqual, (a, b) => (a <= b ? 1 : 0)),
  binary(K.Greater, (a, b) => (a > b ? 1 : 0)),
  binary(K.GreaterEqual, (a, b) => (a >= b ? 1 : 0)),
  cpuKernel(K.PowScalar, ({ backend, inputs: [x], outputs: [y], attrs: { exponent } }) =>
    mapUnary(backend, x!, y!, exponent === 2 ? (v) => v * v : (v) => v ** exponent)),
  cpuKernel(K.Clamp, ({ backend, inputs: [x], outputs: [y], attrs: { min, max } }) => {
    const lo = min ?? -Infinity;
    const hi = max ?? Infinity;
    // min(max(x, lo), hi): when lo > hi everything becomes hi, as in torch.
    mapUnary(backend, x!, y!, (v) => {
      const r = v < lo ? lo : v;
      return r > hi ? hi : r;
    });
  }),
  cpuKernel(K.Where, ({ backend, inputs: [c, a, b], outputs: [y] }) => {
    const cs = backend.array(c!.handle);
    const as = backend.array(a!.handle);
    const bs = backend.array(b!.handle);
    const ys = backend.array(y!.handle);
    const cAt = stridedOffsets(c!);
    const aAt = stridedOffsets(a!);
    const bAt = stridedOffsets(b!);
    for (let i = 0; i < y!.size; i++) {
      ys[i] = cs[cAt ? cAt[i]! : c!.offset + i] ? as[aAt ? aAt[i]! : a!.offset + i]! : bs[bAt ? bAt[i]! : b!.offset + i]!;
    }
  }),
  cpuKernel(K.Cast, ({ backend, inputs: [x], outputs: [y] }) => {
    const decode = decoderFor(x!.dtype);
    const encode = encoderFor(y!.dtype);
    mapUnary(backend, x!, y!, decode ? (v) => encode(decode(v)) : encode);
  }),
  cpuKernel(Copy, ({ backend, inputs: [x], outputs: [y] }) => {
    const xs = backend.array(x!.handle);
    const ys = backend.array(y!.handle);
    const at = stridedOffsets(x!);
    if (at) for (let i = 0; i < y!.size; i++) ys[i] = xs[at[i]!]!;
    else ys.set(xs.subarray(x!.offset, x!.offset + y!.size));
  }),
];
