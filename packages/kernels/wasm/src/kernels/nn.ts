/**
 * Fused float32 kernels for the composite definitions (assembly/nn.ts), one pass per row instead
 * of a chain of primitives; other dtypes and layouts run the reference loops.
 *
 *   Softmax, LogSoftmax  along the last axis of a contiguous x (rows of n); another axis: reference
 *   Gelu                 elementwise, exact (erf) or tanh form, any strides (assembly/elementwise.ts)
 *   LayerNorm            y = (x - mean) / sqrt(var + eps) * weight (+ bias) over weight.size trailing elements
 *   CrossEntropy         mean over targets != ignoreIndex of logsumexp(logits_r) - logits_r[t_r]
 *   GeluBackward         dx = dy * gelu'(x), both forms (assembly/nn-backward.ts)
 *   LayerNormBackward    dx, dweight, dbias; dweight/dbias from per-chunk partials added in chunk order
 *   CrossEntropyBackward dlogits = (softmax - onehot) * [t != ignoreIndex] * dy / count
 */
import { InvalidArgumentError, kernels as K, type KernelDef } from '@tessera/tensor';
import { runUnary } from './elementwise.js';
import { runReference } from './reference.js';
import { ROWS, runRows } from './rows.js';
import { UNARY, wasmKernel, type WasmKernel } from './registration.js';
import { elementAddress } from './strided.js';

function softmaxKernel(def: KernelDef<{ axis: number }>, log: boolean): WasmKernel {
  return wasmKernel(def, (context) => {
    const { backend, inputs: [x], outputs: [y], attrs: { axis } } = context;
    if (x!.dtype !== 'float32' || axis !== x!.shape.length - 1) return runReference(def, context);
    const n = x!.shape[axis]!;
    if (x!.size === 0) return;
    backend.claim(y!.handle);
    runRows(backend, { kind: log ? ROWS.logSoftmax : ROWS.softmax, rows: x!.size / n, n, x: elementAddress(backend.address(x!.handle), x!),
      y: backend.address(y!.handle) });
  });
}

export const nnKernels: WasmKernel[] = [
  softmaxKernel(K.Softmax, false),
  softmaxKernel(K.LogSoftmax, true),
  wasmKernel(K.Gelu, (context) => {
    const { backend, inputs: [x], outputs: [y], attrs } = context;
    if (x!.dtype !== 'float32') return runReference(K.Gelu, context);
    runUnary(backend, attrs.approximate === 'tanh' ? UNARY.geluTanh : UNARY.geluErf, x!, y!);
  }),
  wasmKernel(K.LayerNorm, (context) => {
    const { backend, inputs: [x, weight, bias], outputs: [y], attrs: { eps } } = context;
    if (x!.dtype !== 'float32' || weight!.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) return runReference(K.LayerNorm, context);
    const n = weight!.size;
    if (x!.size === 0 || n === 0) return;
    backend.claim(y!.handle);
    runRows(backend, {
      kind: ROWS.layerNorm, rows: x!.size / n, n, x: elementAddress(backend.address(x!.handle), x!), y: backend.address(y!.handle),
      w: elementAddress(backend.address(weight!.handle), weight!), b: bias ? elementAddress(backend.address(bias.handle), bias) : 0, eps,
    });
  }),
  wasmKernel(K.CrossEntropy, (context) => {
    const { backend, inputs: [logits, targets], outputs: [y], attrs: { ignoreIndex } } = context;
    if (logits!.dtype !== 'float32' || targets!.dtype !== 'int32') return runReference(K.CrossEntropy, context);
    const C = logits!.shape[logits!.shape.length - 1]!;
    if (targets!.size === 0) {
      (backend.array(y!.handle) as Float32Array)[0] = NaN; // 0 / 0, as the reference
      return;
    }
    const [total, count, bad] = runRows(backend, {
      kind: ROWS.crossEntropy, rows: targets!.size, n: C, x: elementAddress(backend.address(logits!.handle), logits!),
      targets: backend.address(targets!.handle) + targets!.offset * 4, ignoreIndex,
    });
    if (bad >= 0) throw badTarget(C, (backend.array(targets!.handle) as Int32Array)[targets!.offset + bad]!, bad, ignoreIndex);
    (backend.array(y!.handle) as Float32Array)[0] = total / count;
  }),
  wasmKernel(K.GeluBackward, (context) => {
    const { backend, inputs: [dy, x], outputs: [dx], attrs } = context;
    if (x!.dtype !== 'float32') return runReference(K.GeluBackward, context);
    if (x!.size === 0) return;
    backend.claim(dx!.handle);
    runRows(backend, {
      kind: ROWS.geluBackward, rows: x!.size, n: 1, x: elementAddress(backend.address(x!.handle), x!), y: backend.address(dx!.handle),
      dy: elementAddress(backend.address(dy!.handle), dy!), tanh: attrs.approximate === 'tanh',
    });
  }),
  wasmKernel(K.LayerNormBackward, (context) => {
    const { backend, inputs: [dy, x, weight], outputs: [dx, dweight, dbias], attrs: { eps } } = context;
    if (x!.dtype !== 'float32') return runReference(K.LayerNormBackward, context);
    const n = weight!.size;
    if (n === 0) return;
    for (const out of [dx!, dweight!, ...(dbias ? [dbias] : [])]) backend.claim(out.handle);
    if (x!.size === 0) {
      (backend.array(dweight!.handle) as Float32Array).fill(0);
      if (dbias) (backend.array(dbias.handle) as Float32Array).fill(0);
      return;
    }
    runRows(backend, {
      kind: ROWS.layerNormBackward, rows: x!.size / n, n, x: elementAddress(backend.address(x!.handle), x!), y: backend.address(dx!.handle),
      w: elementAddress(backend.address(weight!.handle), weight!), dy: elementAddress(backend.address(dy!.handle), dy!), eps,
      dw: backend.address(dweight!.handle), db: dbias ? backend.address(dbias.handle) : 0,
    });
  }),
  wasmKernel(K.CrossEntropyBackward, (context) => {
    const { backend, inputs: [logits, targets, dy], outputs: [y], attrs: { ignoreIndex } } = context;
    if (logits!.dtype !== 'float32') return runReference(K.CrossEntropyBackward, context);
    const C = logits!.shape[logits!.shape.length - 1]!;
    const ts = backend.array(targets!.handle) as Int32Array;
    let count = 0;
    for (let r = 0; r < targets!.size; r++) {
      const t = ts[targets!.offset + r]!;
      if (t === ignoreIndex) continue;
      if (!(t >= 0 && t < C)) throw badTarget(C, t, r, ignoreIndex);
      count++;
    }
    if (y!.size === 0) return;
    backend.claim(y!.handle);
    // dy / count: inf when every target is ignored, so ignored rows give 0 * inf = NaN, as decomposed.
    const scale = (backend.array(dy!.handle) as Float32Array)[dy!.offset]! / count;
    runRows(backend, {
      kind: ROWS.crossEntropyBackward, rows: targets!.size, n: C, x: elementAddress(backend.address(logits!.handle), logits!),
      y: backend.address(y!.handle), targets: backend.address(targets!.handle) + targets!.offset * 4, ignoreIndex, scale,
    });
  }),
];

function badTarget(C: number, t: number, position: number, ignoreIndex: number): InvalidArgumentError {
  return new InvalidArgumentError('crossEntropy', `target ${t} at position ${position} is outside [0, ${C}) and is not ignoreIndex (${ignoreIndex})`);
}
