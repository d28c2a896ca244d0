/**
 * Fused kernels for the composite definitions (softmax, log-softmax, gelu, layer norm, cross
 * entropy): one pass per row in float64 instead of a chain of primitives.
 */
import type { TensorInfo } from '../../../backend.js';
import { InvalidArgumentError } from '../../../errors.js';
import { CrossEntropy } from '../../../kernels/cross-entropy.js';
import { Gelu } from '../../../kernels/gelu.js';
import { LayerNorm } from '../../../kernels/layer-norm.js';
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
];
