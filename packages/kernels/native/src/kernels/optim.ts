/**
 * Fused optimizer steps (native/optim.cc) for `@tessera/trainer`'s `LionStep` and `AdamStep`
 * definitions, registered by name (kernel packages do not import the trainer;
 * test/optim.test.ts checks that the attributes below match the trainer's):
 *
 *   LionStep  p, g, m -> p', m'      p' = (p·decay | p) − lr·sign(m + (g − m)(1 − β1)),  m' = m + (g − m)(1 − β2)
 *   AdamStep  p, g, m, v -> p', m', v'
 *             m' = m + (g − m)(1 − β1),  v' = v·β2 + g²(1 − β2),  p' = (p·decay | p) − m' / (√v' / correction2 + eps) · stepSize
 *
 * One pass over memory instead of about ten kernels, bit-identical to the decompositions in
 * float32 and float64 (same operations, same order, no FMA contraction). float16/bfloat16
 * parameters are computed in float32 by the engine and rounded once at the end, where the
 * decomposition rounds after every op: there the results may differ in the last half-precision bit.
 */
import { kernelRef } from '@tessera/tensor';
import { nativeKernel, type NativeKernel } from './registration.js';

/** The attributes of the trainer's `LionStep` (`LionStepAttrs` there). */
export interface LionStepAttrs {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly decay: number | null;
}

/** The attributes of the trainer's `AdamStep` (`AdamStepAttrs` there). */
export interface AdamStepAttrs {
  readonly stepSize: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly correction2: number;
  readonly decay: number | null;
}

/** `@tessera/trainer`'s optimizer-step definitions, by name. */
export const LionStep = kernelRef<LionStepAttrs>('LionStep');
export const AdamStep = kernelRef<AdamStepAttrs>('AdamStep');

export const optimKernels: NativeKernel[] = [
  nativeKernel(LionStep, ({ backend, inputs: [p, g, m], outputs: [pOut, mOut], attrs }) => {
    backend.call().push(attrs.lr, attrs.beta1, attrs.beta2, attrs.decay === null ? 0 : 1, attrs.decay ?? 1).view(p!).view(g!).view(m!);
    backend.addon.lionStep(backend.array(p!.handle), backend.array(g!.handle), backend.array(m!.handle), backend.array(pOut!.handle),
      backend.array(mOut!.handle));
  }),
  nativeKernel(AdamStep, ({ backend, inputs: [p, g, m, v], outputs: [pOut, mOut, vOut], attrs }) => {
    backend.call().push(attrs.stepSize, attrs.beta1, attrs.beta2, attrs.eps, attrs.correction2, attrs.decay === null ? 0 : 1, attrs.decay ?? 1)
      .view(p!).view(g!).view(m!).view(v!);
    backend.addon.adamStep(backend.array(p!.handle), backend.array(g!.handle), backend.array(m!.handle), backend.array(v!.handle),
      backend.array(pOut!.handle), backend.array(mOut!.handle), backend.array(vOut!.handle));
  }),
];
