/**
 * Fused optimizer steps (assembly/optim.ts) for `@tessera/trainer`'s `LionStep` and `AdamStep`
 * definitions, registered by name (kernel packages do not import the trainer; test/optim.test.ts
 * checks that the attributes below match the trainer's):
 *
 *   LionStep  p, g, m -> p', m'      p' = (p·decay | p) − sign(m + (g − m)(1 − β1))·lr,  m' = m + (g − m)(1 − β2)
 *   AdamStep  p, g, m, v -> p', m', v'
 *             m' = m + (g − m)(1 − β1),  v' = v·β2 + (g·g)(1 − β2),  p' = (p·decay | p) − (m' / (√v' / correction2 + eps))·stepSize
 *
 * One pass over memory instead of about ten kernels, bit-identical to the decompositions: the
 * same operations in the same order, each rounded to the dtype, with the scalars rounded to the
 * dtype first (float32 in WASM SIMD, split over the worker threads in fixed chunks for large
 * tensors; float64 in a JavaScript loop on views of linear memory). float16/bfloat16 parameters
 * are computed in float32 by the engine and rounded once at the end, where the decomposition
 * rounds after every op: there results may differ in the last half-precision bit.
 */
import { kernelRef, type TensorInfo } from '@tessera/tensor';
import type { WasmBackend } from '../backend.js';
import { wasmKernel, type WasmKernel } from './registration.js';
import { elementAddress } from './strided.js';

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

/** Elements per task; a tensor of at most one chunk runs on the calling thread. */
const CHUNK = 1 << 15;
const PARAM_SLOTS = 19;

function runStep(backend: WasmBackend, kind: 0 | 1, tensors: (TensorInfo | undefined)[], scalars: number[], decay: number | null): void {
  const n = tensors[0]!.size;
  if (n === 0) return;
  for (const t of tensors.slice(4)) if (t) backend.claim(t.handle); // outputs: every element is written
  const base = backend.scratch(4 * PARAM_SLOTS);
  const { i32, f32 } = backend.heap.views;
  const at = base >> 2;
  i32[at] = kind;
  i32[at + 1] = n;
  tensors.forEach((t, i) => (i32[at + 2 + i] = t ? elementAddress(backend.address(t.handle), t) : 0));
  f32.set(scalars, at + 9); // rounded to float32 here, like the decomposition's scalar tensors
  f32[at + 15] = decay ?? 1;
  i32[at + 16] = decay === null ? 0 : 1;
  i32[at + 17] = 0;
  i32[at + 18] = CHUNK;
  backend.runJob('optimizerStep', base, n > CHUNK ? backend.threads : 1);
}

const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : x);

export const optimKernels: WasmKernel[] = [
  wasmKernel(LionStep, ({ backend, inputs: [p, g, m], outputs: [pOut, mOut], attrs }) => {
    const { lr, beta1, beta2, decay } = attrs;
    if (p!.dtype === 'float32') {
      runStep(backend, 0, [p, g, m, undefined, pOut, mOut, undefined], [lr, 1 - beta1, 0, 1 - beta2, 0, 0], decay);
      return;
    }
    const ps = backend.array(p!.handle), gs = backend.array(g!.handle), ms = backend.array(m!.handle);
    const po = backend.array(pOut!.handle), mo = backend.array(mOut!.handle);
    const c1 = 1 - beta1, c2 = 1 - beta2;
    for (let i = 0; i < p!.size; i++) {
      const pi = ps[p!.offset + i]!, gi = gs[g!.offset + i]!, mi = ms[m!.offset + i]!;
      const decayed = decay !== null ? pi * decay : pi;
      po[i] = decayed - sign(mi + (gi - mi) * c1) * lr;
      mo[i] = mi + (gi - mi) * c2;
    }
  }),
  wasmKernel(AdamStep, ({ backend, inputs: [p, g, m, v], outputs: [pOut, mOut, vOut], attrs }) => {
    const { stepSize, beta1, beta2, eps, correction2, decay } = attrs;
    if (p!.dtype === 'float32') {
      runStep(backend, 1, [p, g, m, v, pOut, mOut, vOut], [stepSize, 1 - beta1, beta2, 1 - beta2, eps, correction2], decay);
      return;
    }
    const ps = backend.array(p!.handle), gs = backend.array(g!.handle), ms = backend.array(m!.handle), vs = backend.array(v!.handle);
    const po = backend.array(pOut!.handle), mo = backend.array(mOut!.handle), vo = backend.array(vOut!.handle);
    const c1 = 1 - beta1, c2 = 1 - beta2;
    for (let i = 0; i < p!.size; i++) {
      const pi = ps[p!.offset + i]!, gi = gs[g!.offset + i]!, mi = ms[m!.offset + i]!, vi = vs[v!.offset + i]!;
      const decayed = decay !== null ? pi * decay : pi;
      const m1 = mi + (gi - mi) * c1;
      const v1 = vi * beta2 + gi * gi * c2;
      po[i] = decayed - (m1 / (Math.sqrt(v1) / correction2 + eps)) * stepSize;
      mo[i] = m1;
      vo[i] = v1;
    }
  }),
];
