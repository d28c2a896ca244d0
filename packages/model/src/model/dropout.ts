/**
 * Dropout for training mode (emb_pdrop, resid_pdrop, attn_pdrop): each element is zeroed with
 * probability p and the survivors are scaled by 1 / (1 - p). The keep mask is drawn on the host
 * from a seeded Generator, so a seed reproduces a run exactly.
 */
import { Generator, mul, tensor, type Tensor } from '@tessera/tensor';

/**
 * Training-mode switches for a forward pass. Without them (the default) dropout is off.
 *
 * @example
 * ```ts
 * const training: TrainingMode = { generator: new Generator(17) };
 * const loss = model.loss(ids, { training });
 * ```
 */
export interface TrainingMode {
  /** The source of dropout masks; advanced by every dropout call. */
  readonly generator: Generator;
}

/**
 * Inverted dropout; the identity when `training` is absent or p is 0.
 *
 * @example
 * ```ts
 * const y = dropout(x, 0.1, { generator: new Generator(0) });
 * ```
 */
export function dropout(x: Tensor, p: number, training: TrainingMode | undefined): Tensor {
  if (!training || p === 0) return x;
  const mask = new Float32Array(x.size);
  const scale = p >= 1 ? 0 : 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = training.generator.nextDouble() < p ? 0 : scale;
  return mul(x, tensor(mask, x.shape, x.dtype));
}
