/**
 * Fused kernels for the composite definitions (native/nn.cc), one pass per row instead of a chain
 * of primitives; float32 rows use SIMD, float64 follows the reference backend.
 *
 *   Softmax, LogSoftmax  along `axis` of a contiguous x viewed as [outer, n, inner]
 *   Gelu                 elementwise, exact (erf) or tanh form, any strides
 *   LayerNorm            y = (x - mean) / sqrt(var + eps) * weight (+ bias) over weight.size trailing elements
 *   CrossEntropy         mean over targets != ignoreIndex of logsumexp(logits_r) - logits_r[t_r]
 *   GeluBackward         dx = dy * gelu'(x), both forms
 *   LayerNormBackward    dx, dweight, dbias (dweight/dbias summed over rows in fixed blocks: thread-count independent)
 *   CrossEntropyBackward dlogits = (softmax - onehot) * [t != ignoreIndex] * dy / count
 */
import { InvalidArgumentError, kernels as K } from '@tessera/tensor';
import { runUnary } from './elementwise.js';
import { UNARY, nativeKernel, type NativeKernel } from './registration.js';

function softmaxKernel(def: typeof K.Softmax, log: boolean): NativeKernel {
  return nativeKernel(def, ({ backend, inputs: [x], outputs: [y], attrs: { axis } }) => {
    backend.call().push(axis, log ? 1 : 0).view(x!);
    backend.addon.softmax(backend.array(x!.handle), backend.array(y!.handle));
  });
}

export const nnKernels: NativeKernel[] = [
  softmaxKernel(K.Softmax, false),
  softmaxKernel(K.LogSoftmax, true),
  nativeKernel(K.Gelu, ({ backend, inputs: [x], outputs: [y], attrs }) =>
    runUnary(backend, attrs.approximate === 'tanh' ? UNARY.geluTanh : UNARY.geluErf, x!, y!)),
  nativeKernel(K.LayerNorm, ({ backend, inputs: [x, weight, bias], outputs: [y], attrs: { eps } }) => {
    const meta = backend.call().push(eps).view(x!).view(weight!);
    if (bias) meta.view(bias);
    backend.addon.layerNorm(backend.array(x!.handle), backend.array(weight!.handle), bias ? backend.array(bias.handle) : null,
      backend.array(y!.handle));
  }),
  nativeKernel(K.CrossEntropy, ({ backend, inputs: [logits, targets], outputs: [y], attrs: { ignoreIndex } }) => {
    backend.call().push(ignoreIndex).view(logits!).view(targets!);
    const targetArray = backend.array(targets!.handle);
    const bad = backend.addon.crossEntropy(backend.array(logits!.handle), targetArray, backend.array(y!.handle));
    if (bad >= 0) throw badTarget(logits!.shape, targetArray[targets!.offset + bad]!, bad, ignoreIndex);
  }),
  nativeKernel(K.GeluBackward, ({ backend, inputs: [dy, x], outputs: [dx], attrs }) => {
    backend.call().push(attrs.approximate === 'tanh' ? 1 : 0).view(dy!).view(x!);
    backend.addon.geluBackward(backend.array(dy!.handle), backend.array(x!.handle), backend.array(dx!.handle));
  }),
  nativeKernel(K.LayerNormBackward, ({ backend, inputs: [dy, x, weight], outputs: [dx, dweight, dbias], attrs: { eps } }) => {
    backend.call().push(eps).view(dy!).view(x!).view(weight!);
    backend.addon.layerNormBackward(backend.array(dy!.handle), backend.array(x!.handle), backend.array(weight!.handle),
      backend.array(dx!.handle), backend.array(dweight!.handle), dbias ? backend.array(dbias.handle) : null);
  }),
  nativeKernel(K.CrossEntropyBackward, ({ backend, inputs: [logits, targets, dy], outputs: [y], attrs: { ignoreIndex } }) => {
    backend.call().push(ignoreIndex).view(logits!).view(targets!).view(dy!);
    const targetArray = backend.array(targets!.handle);
    const bad = backend.addon.crossEntropyBackward(backend.array(logits!.handle), targetArray, backend.array(dy!.handle), backend.array(y!.handle));
    if (bad >= 0) throw badTarget(logits!.shape, targetArray[targets!.offset + bad]!, bad, ignoreIndex);
  }),
];

function badTarget(shape: readonly number[], t: number, position: number, ignoreIndex: number): InvalidArgumentError {
  const C = shape[shape.length - 1]!;
  return new InvalidArgumentError('crossEntropy', `target ${t} at position ${position} is outside [0, ${C}) and is not ignoreIndex (${ignoreIndex})`);
}
