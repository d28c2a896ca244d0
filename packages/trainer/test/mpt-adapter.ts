/**
 * The adapter that plugs `@tessera/model`'s MPT into the trainer (the trainer does not depend
 * on the model package; apps and tests wire them like this). Checkpoints are written with
 * `savePretrained`, so each checkpoint folder loads with `MPTForCausalLM.fromPretrained`.
 */
import { tensor, type Tensor } from '@tessera/tensor';
import { causalLMLoss, MPTForCausalLM, mptForward } from '@tessera/model';
import type { Trainable, TokenBatch } from '../src/index.js';

function rows(values: Int32Array, batch: TokenBatch): number[][] {
  return Array.from({ length: batch.batchSize }, (_, b) => Array.from(values.subarray(b * batch.seqLen, (b + 1) * batch.seqLen)));
}

export function mptTrainable(model: MPTForCausalLM): Trainable<TokenBatch> {
  return {
    parameters: () => model.parameters(),
    setParameters: (updates) => model.setParameters(updates),
    forward: (params, batch, context): Tensor =>
      mptForward(model.config, params, tensor(batch.tokens, [batch.batchSize, batch.seqLen], 'int32'), context.training ? { training: { generator: context.generator } } : {}),
    loss: (logits, batch) => causalLMLoss(logits, rows(batch.labels ?? batch.tokens, batch)),
    save: (dir) => model.savePretrained(dir),
    load: async (dir) => {
      const loaded = await MPTForCausalLM.fromPretrained(dir);
      model.setParameters(loaded.parameters());
    },
  };
}
