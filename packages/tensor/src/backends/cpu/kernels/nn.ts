/**
 * Fused kernels for the composite definitions (softmax, log-softmax, gelu, layer norm, cross
 * entropy, and the backward kernels of the last three): one pass per row in float64 instead of a
 * chain of primitives.
 */
import type { TensorInfo } from '../../../backend.js';
import { InvalidArgumentError } from '../../../errors.js';
import { CrossEntropy, CrossEntropyBackward } from '../../../kernels/cross-entropy.js';
import { Gelu, GeluBackward } from '../../../kernels/gelu.js';
import { LayerNorm, LayerNormBackward } from '../../../kernels/layer-norm.js';
import { LogSoftmax } from '../../../kernels/log-softmax.js';
import { Softmax } from '../../../kernels/softmax.js';
import type { CpuBackend } from '../backend.js';
import { erf } from '../math.js';
import { cpuKernel, type CpuKernel } from '../registration.js';
import { mapUnary } from './elementwise.js';

/** Visit each line along `axis` of a contiguous tensor: (start offset, stride, length). */
function forEachLine(x: TensorInfo, axis: number, visit: (start: number, stride: number, n: number) => void): void {
  const n = x.shape[axis]!;
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = x.size / Math.max(n * inner, 1);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) visit(x.offset + o * n * inner + i, inner, n);
}

function softmaxLike(backend: CpuBackend, x: TensorInfo, y: TensorInfo, axis: number, log: boolean): void {
  const xs = backend.array(x.handle);
  const ys = backend.array(y.handle);
  forEachLine(x, axis, (start, stride, n) => {
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, xs[start + j * stride]!);
    let total = 0;
    for (let j = 0; j < n; j++) total += Math.exp(xs[start + j * stride]! - m);
    const out = start - x.offset;
    if (log) {
      const lse = m + Math.log(total);
      for (let j = 0; j < n; j++) ys[out + j * stride] = xs[start + j * stride]! - lse;
    } else {
      for (let j = 0; j < n; j++) ys[out + j * stride] = Math.exp(xs[start + j * stride]! - m) / total;
    }
  });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** gelu'(v), exact form. */
function geluGradErf(v: number): number {
  return 0.5 * (1 + erf(v * Math.SQRT1_2)) + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI;
}

/** gelu'(v), tanh form. */
function geluGradTanh(v: number): number {
  const v2 = v * v;
  const t = Math.tanh(SQRT_2_OVER_PI * v * (1 + 0.044715 * v2));
  return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v2);
}

/** Target t of row `row`, checked against [0, C) unless ignored. */
function checkedTarget(t: number, row: number, C: number, ignoreIndex: number): number {
  if (t !== ignoreIndex && !(t >= 0 && t < C)) {
    throw new InvalidArgumentError('crossEntropy', `target ${t} at position ${row} is outside [0, ${C}) and is not ignoreIndex (${ignoreIndex})`);
  }
  return t;
}

export const nnKernels: CpuKernel[] = [
  cpuKernel(Softmax, ({ backend, inputs: [x], outputs: [y], attrs }) => softmaxLike(backend, x!, y!, attrs.axis, false)),
  cpuKernel(LogSoftmax, ({ backend, inputs: [x], outputs: [y], attrs }) => softmaxLike(backend, x!, y!, attrs.axis, true)),
  cpuKernel(Gelu, ({ backend, inputs: [x], outputs: [y], attrs }) =>
    mapUnary(backend, x!, y!, attrs.approximate === 'tanh'
      ? (v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)))
      : (v) => 0.5 * v * (1 + erf(v * Math.SQRT1_2)))),
  cpuKernel(LayerNorm, ({ backend, inputs: [x, weight, bias], outputs: [y], attrs: { eps } }) => {
    const xs = backend.array(x!.handle);
    const ws = backend.array(weight!.handle);
    const bs = bias ? backend.array(bias.handle) : null;
    const ys = backend.array(y!.handle);
    const n = weight!.size;
    for (let row = 0; row < x!.size / n; row++) {
      const base = x!.offset + row * n;
      let mean = 0;
      for (let j = 0; j < n; j++) mean += xs[base + j]!;
      mean /= n;
      let variance = 0;
      for (let j = 0; j < n; j++) variance += (xs[base + j]! - mean) ** 2;
      const rstd = 1 / Math.sqrt(variance / n + eps);
      for (let j = 0; j < n; j++) {
        const v = (xs[base + j]! - mean) * rstd * ws[weight!.offset + j]!;
        ys[row * n + j] = bs ? v + bs[bias!.offset + j]! : v;
      }
    }
  }),
  cpuKernel(CrossEntropy, ({ backend, inputs: [logits, targets], outputs: [y], attrs: { ignoreIndex } }) => {
    const ls = backend.array(logits!.handle);
    const ts = backend.array(targets!.handle);
    const C = logits!.shape[logits!.shape.length - 1]!;
    let total = 0;
    let count = 0;
    for (let row = 0; row < targets!.size; row++) {
      const t = ts[targets!.offset + row]!;
      if (t === ignoreIndex) continue;
      if (!(t >= 0 && t < C)) {
        throw new InvalidArgumentError('crossEntropy', `target ${t} at position ${row} is outside [0, ${C}) and is not ignoreIndex (${ignoreIndex})`);
      }
      const base = logits!.offset + row * C;
      let m = -Infinity;
      for (let j = 0; j < C; j++) m = Math.max(m, ls[base + j]!);
      let s = 0;
      for (let j = 0; j < C; j++) s += Math.exp(ls[base + j]! - m);
      total += m + Math.log(s) - ls[base + t]!;
      count++;
    }
    backend.array(y!.handle)[0] = total / count;
  }),
  cpuKernel(GeluBackward, ({ backend, inputs: [dy, x], outputs: [dx], attrs }) => {
    const ds = backend.array(dy!.handle);
    const xs = backend.array(x!.handle);
    const out = backend.array(dx!.handle);
    const f = attrs.approximate === 'tanh' ? geluGradTanh : geluGradErf;
    for (let i = 0; i < dx!.size; i++) out[i] = ds[dy!.offset + i]! * f(xs[x!.offset + i]!);
  }),
  cpuKernel(LayerNormBackward, ({ backend, inputs: [dy, x, weight], outputs: [dx, dweight, dbias], attrs: { eps } }) => {
    const ds = backend.array(dy!.handle);
    const xs = backend.array(x!.handle);
    const ws = backend.array(weight!.handle);
    const n = weight!.size;
    const rows = n ? x!.size / n : 0;
    const dxs = backend.array(dx!.handle);
    const dw = new Float64Array(n);
    const db = new Float64Array(n);
    for (let row = 0; row < rows; row++) {
      const xb = x!.offset + row * n;
      const db0 = dy!.offset + row * n;
      let mean = 0;
      for (let j = 0; j < n; j++) mean += xs[xb + j]!;
      mean /= n;
      let variance = 0;
      for (let j = 0; j < n; j++) variance += (xs[xb + j]! - mean) ** 2;
      const rstd = 1 / Math.sqrt(variance / n + eps);
      let meanG = 0;
      let meanGX = 0;
      for (let j = 0; j < n; j++) {
        const g = ds[db0 + j]! * ws[weight!.offset + j]!;
        meanG += g;
        meanGX += g * (xs[xb + j]! - mean) * rstd;
      }
      meanG /= n;
      meanGX /= n;
      for (let j = 0; j < n; j++) {
        const d = ds[db0 + j]!;
        const xhat = (xs[xb + j]! - mean) * rstd;
        dxs[row * n + j] = rstd * (d * ws[weight!.offset + j]! - meanG - xhat * meanGX);
        dw[j] = dw[j]! + d * xhat;
        db[j] = db[j]! + d;
      }
    }
    backend.array(dweight!.handle).set(dw);
    if (dbias) backend.array(dbias.handle).set(db);
  }),
  cpuKernel(CrossEntropyBackward, ({ backend, inputs: [logits, targets, dy], outputs: [dlogits], attrs: { ignoreIndex } }) => {
    const ls = backend.array(logits!.handle);
    const ts = backend.array(targets!.handle);
    const out = backend.array(dlogits!.handle);
    const C = logits!.shape[logits!.shape.length - 1]!;
    let count = 0;
    for (let row = 0; row < targets!.size; row++) if (checkedTarget(ts[targets!.offset + row]!, row, C, ignoreIndex) !== ignoreIndex) count++;
    const scale = backend.array(dy!.handle)[dy!.offset]! / count; // inf when every target is ignored: 0 * inf = NaN, as decomposed
    for (let row = 0; row < targets!.size; row++) {
      const t = ts[targets!.offset + row]!;
      const valid = t === ignoreIndex ? 0 : 1;
      const base = logits!.offset + row * C;
      let m = -Infinity;
      for (let j = 0; j < C; j++) m = Math.max(m, ls[base + j]!);
      let s = 0;
      for (let j = 0; j < C; j++) s += Math.exp(ls[base + j]! - m);
      for (let j = 0; j < C; j++) out[row * C + j] = (Math.exp(ls[base + j]! - m) / s - (j === t ? 1 : 0)) * valid * scale;
    }
  }),
];
