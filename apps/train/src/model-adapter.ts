/**
 * The MPT adapter for the trainer (the trainer never imports the model package; apps wire them).
 * Checkpoints are Hugging Face folders: `savePretrained` plus the tokenizer files, so every
 * checkpoint loads with `MPTForCausalLM.fromPretrained` and `Tokenizer.fromPretrained`, and
 * `export` only has to copy the newest one.
 */
import { tensor, type Tensor } from '@tessera/tensor';
import { causalLMLoss, MPTForCausalLM, mptForward } from '@tessera/model';
import type { Tokenizer } from '@tessera/tokenizer';
import type { Trainable, TokenBatch } from '@tessera/trainer';
import { saveTokenizer } from './steps/tokenizer.js';

function rows(values: Int32Array, batch: TokenBatch): number[][] {
  return Array.from({ length: batch.batchSize }, (_, b) => Array.from(values.subarray(b * batch.seqLen, (b + 1) * batch.seqLen)));
}

/**
 * A trainable MPT whose checkpoints carry the tokenizer.
 *
 * @example
 * ```ts
 * const trainer = new Trainer({ model: mptTrainable(model, tokenizer), ... });
 * ```
 */
export function mptTrainable(model: MPTForCausalLM, tokenizer: Tokenizer, options: { modelMaxLength?: number } = {}): Trainable<TokenBatch> {
  return {
    parameters: () => model.parameters(),
    setParameters: (updates) => model.setParameters(updates),
    forward: (params, batch, context): Tensor =>
      mptForward(model.config, params, tensor(batch.tokens, [batch.batchSize, batch.seqLen], 'int32'), context.training ? { training: { generator: context.generator } } : {}),
    loss: (logits, batch) => causalLMLoss(logits, rows(batch.labels ?? batch.tokens, batch)),
    save: async (dir) => {
      await model.savePretrained(dir);
      await saveTokenizer(tokenizer, dir, options);
    },
    load: async (dir) => {
      const loaded = await MPTForCausalLM.fromPretrained(dir);
      model.setParameters(loaded.parameters());
    },
  };
}
