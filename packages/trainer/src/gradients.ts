/**
 * Gradients of a batch, accumulated over microbatches: each microbatch's mean loss is weighted
 * by its share of the batch's loss-generating units (`lossWeight(micro) / lossWeight(batch)`)
 * before the backward pass, so the sum of the microbatch gradients is the gradient of the
 * whole batch's mean loss (Composer's `accumulate_train_batch_on_tokens`). Also the global
 * gradient norm and scaling (for clipping).
 */
import { add, mul, noGrad, scope, sum, valueAndGrad, type Tensor } from '@tessera/tensor';
import { splitBatch, type BatchSpec } from './batch.js';
import { TrainerConfigError } from './errors.js';
import type { ForwardContext, Trainable } from './trainable.js';

/**
 * Hooks fired inside the differentiated function (their results are ignored: they must be
 * synchronous) and after each backward pass (awaited).
 *
 * @example
 * ```ts
 * const hooks: GradientHooks<TokenBatch, Tensor> = { event: (name) => console.log(name) };
 * ```
 */
export interface GradientHooks<Batch, Outputs> {
  /** forward-start, forward-end, loss-start, loss-end, backward-start (synchronous), backward-end. */
  event?(name: 'forward-start' | 'forward-end' | 'loss-start' | 'loss-end' | 'backward-start' | 'backward-end',
    micro: { batch: Batch; outputs?: Outputs }): void | Promise<void>;
}

/**
 * The summed gradients (by parameter name, in `params` order) and the weighted loss of
 * `batch`, processed in microbatches of `microBatchSize` samples. `totalWeight` is the loss
 * weight of the whole (global) batch: a data-parallel shard passes the global total.
 *
 * @example
 * ```ts
 * const { grads, loss } = await accumulateGradients(model, model.parameters(), batch, tokenBatchSpec, {
 *   microBatchSize: 4, totalWeight: tokenBatchSpec.lossWeight(batch), context: { training: true, generator },
 * });
 * ```
 */
export async function accumulateGradients<Batch, Outputs>(
  model: Trainable<Batch, Outputs>,
  params: Readonly<Record<string, Tensor>>,
  batch: Batch,
  spec: BatchSpec<Batch>,
  options: { microBatchSize?: number | undefined; totalWeight: number; context: ForwardContext; hooks?: GradientHooks<Batch, Outputs> },
): Promise<{ grads: Record<string, Tensor>; loss: number }> {
  const names = Object.keys(params);
  const tensors = names.map((n) => params[n]!);
  const parts = splitBatch(spec, batch, options.microBatchSize ?? spec.samples(batch));
  const { totalWeight, hooks } = options;
  if (!(totalWeight > 0)) throw new TrainerConfigError('batch', `has no loss-generating units (lossWeight ${totalWeight})`, 'every batch needs at least one target token');
  let acc: Tensor[] | undefined;
  let loss = 0;
  for (const part of parts) {
    const weight = spec.lossWeight(part) / totalWeight;
    if (weight === 0) continue;
    const fn = (...ps: Tensor[]): Tensor => {
      const record = Object.fromEntries(names.map((n, i) => [n, ps[i]!]));
      hooks?.event?.('forward-start', { batch: part });
      const outputs = model.forward(record, part, options.context);
      hooks?.event?.('forward-end', { batch: part, outputs });
      hooks?.event?.('loss-start', { batch: part, outputs });
      const value = model.loss(outputs, part);
      hooks?.event?.('loss-end', { batch: part, outputs });
      const scaled = mul(value, weight);
      hooks?.event?.('backward-start', { batch: part, outputs });
      return scaled;
    };
    const { value, grads } = valueAndGrad(fn)(...tensors);
    loss += await value.item();
    value.dispose();
    if (!acc) acc = grads;
    else {
      const previous = acc;
      acc = noGrad(() => previous.map((g, i) => add(g, grads[i]!)));
      for (const t of [...previous, ...grads]) t.dispose();
    }
    await hooks?.event?.('backward-end', { batch: part });
  }
  if (!acc) throw new TrainerConfigError('batch', 'no microbatch had loss-generating units');
  const result = acc;
  return { grads: Object.fromEntries(names.map((n, i) => [n, result[i]!])), loss };
}

/**
 * The global L2 norm over all gradients (summed in float64 in name order).
 *
 * @example
 * ```ts
 * const norm = await globalNorm(grads);
 * ```
 */
export async function globalNorm(grads: Readonly<Record<string, Tensor>>): Promise<number> {
  let total = 0;
  for (const g of Object.values(grads)) {
    const squares = noGrad(() => scope(() => sum(mul(g, g))));
    total += await squares.item();
    squares.dispose();
  }
  return Math.sqrt(total);
}

/**
 * Multiply every gradient by `factor`, replacing (and disposing) the entries of `grads`.
 *
 * @example
 * ```ts
 * if (norm > 1) scaleGradients(state.grads, 1 / (norm + 1e-6));
 * ```
 */
export function scaleGradients(grads: Record<string, Tensor>, factor: number): void {
  for (const [name, g] of Object.entries(grads)) {
    grads[name] = noGrad(() => mul(g, factor));
    g.dispose();
  }
}
