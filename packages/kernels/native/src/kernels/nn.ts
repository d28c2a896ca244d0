/**
 * Fused kernels for the composite definitions (native/nn.cc), one pass per row instead of a chain
 * of primitives; float32 rows use SIMD, float64 follows the reference backend.
 *
 *   Softmax, LogSoftmax  along `axis` of a contiguous x viewed as [outer, n, inner]
 *   Gelu                 elementwise, exact (erf) or tanh form, any strides
 *   LayerNorm            y = (x - mean) / sqrt(var + eps) * weight (+ bias) over weight.size trailing elements
 *   CrossEntropy         mean over targets != ignoreIndex of logsumexp(logits_r) - logits_r[t_r]
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
    if (bad >= 0) {
      const C = logits!.shape[logits!.shape.length - 1]!;
      const t = targetArray[targets!.offset + bad]!;
      throw new InvalidArgumentError('crossEntropy', `target ${t} at position ${bad} is outside [0, ${C}) and is not ignoreIndex (${ignoreIndex})`);
    }
  }),
];
