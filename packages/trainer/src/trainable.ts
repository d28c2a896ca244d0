/**
 * The model-facing interface (Composer's `ComposerModel`): parameters by name, a forward pass
 * and a loss written as functions of a parameter record (so `valueAndGrad` can differentiate
 * them), and optional save/load in the model's own checkpoint format. Any model plugs in with a
 * small adapter; see the package README for `@tessera/model`'s MPT.
 */
import type { Generator, Tensor } from '@tessera/tensor';

/**
 * What a forward pass is told: whether it trains (dropout on) and the seeded generator to draw
 * its randomness from (a fresh one per batch, derived from the run seed and the batch index, so
 * a resumed run draws the same numbers).
 *
 * @example
 * ```ts
 * const context: ForwardContext = { training: true, generator: new Generator(17) };
 * ```
 */
export interface ForwardContext {
  readonly training: boolean;
  readonly generator: Generator;
}

/**
 * A model the trainer can train.
 *
 * @example
 * ```ts
 * const linearModel: Trainable<{ x: Tensor; y: Tensor }> = {
 *   parameters: () => ({ w }),
 *   setParameters: (updates) => { w.dispose(); w = keep(updates.w!); },
 *   forward: (params, batch) => matmul(batch.x, params.w!),
 *   loss: (outputs, batch) => mean(pow(sub(outputs, batch.y), 2)),
 * };
 * ```
 */
export interface Trainable<Batch, Outputs = Tensor> {
  /** The trainable parameters by name; the trainer keeps this name order everywhere. */
  parameters(): Readonly<Record<string, Tensor>>;
  /** Replace parameters; the model takes ownership of the new tensors and disposes the old ones. */
  setParameters(updates: Readonly<Record<string, Tensor>>): void;
  /** The forward pass with the given parameters (never the model's own: gradients flow through these). */
  forward(params: Readonly<Record<string, Tensor>>, batch: Batch, context: ForwardContext): Outputs;
  /** The mean loss of a batch (a one-element tensor), averaged over `BatchSpec.lossWeight(batch)` units. */
  loss(outputs: Outputs, batch: Batch): Tensor;
  /**
   * Write the weights into a checkpoint folder in the model's own format (for MPT:
   * `savePretrained`, so checkpoints load with `MPTForCausalLM.fromPretrained`). Default: the
   * trainer writes `model.safetensors` (F32) from `parameters()`.
   */
  save?(dir: string): Promise<void>;
  /** Read weights written by `save`. Default: the trainer reads `model.safetensors`. */
  load?(dir: string): Promise<void>;
}
