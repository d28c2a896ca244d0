/**
 * Fused float32 kernels for the composite definitions (assembly/nn.ts), one pass per row instead
 * of a chain of primitives; other dtypes and layouts run the reference loops.
 *
 *   Softmax, LogSoftmax  along the last axis of a contiguous x (rows of n); another axis: reference
 *   Gelu                 elementwise, exact (erf) or tanh form, any strides (assembly/elementwise.ts)
 *   LayerNorm            y = (x - mean) / sqrt(var + eps) * weight (+ bias) over weight.size trailing elements
 *   CrossEntropy         mean over targets != ignoreIndex of logsumexp(logits_r) - logits_r[t_r]
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
    if (bad >= 0) {
      const t = (backend.array(targets!.handle) as Int32Array)[targets!.offset + bad]!;
      throw new InvalidArgumentError('crossEntropy', `target ${t} at position ${bad} is outside [0, ${C}) and is not ignoreIndex (${ignoreIndex})`);
    }
    (backend.array(y!.handle) as Float32Array)[0] = total / count;
  }),
];
