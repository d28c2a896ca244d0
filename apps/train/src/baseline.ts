/**
 * The unigram baseline: the held-out cross entropy of a model that ignores context and predicts
 * every token with its frequency in the training shards (add-one smoothed over the vocabulary).
 * A language model that has learned anything beats it; the gap, in nats per token, is what the
 * context is worth. Computed over exactly the targets the trainer's evaluation scores (positions
 * 1..T-1 of each row, labels of -100 left out).
 *
 *   H = -(1/N) sum over held-out targets y of log((count[y] + 1) / (total + V))
 */
import { IGNORE_INDEX, type TokenBatch } from '@tessera/trainer';

/**
 * Token frequencies of training batches.
 *
 * @example
 * ```ts
 * const counts = await countTokens(trainBatches, vocabSize);
 * ```
 */
export async function countTokens(batches: AsyncIterable<TokenBatch> | Iterable<TokenBatch>, vocabSize: number): Promise<Float64Array> {
  const counts = new Float64Array(vocabSize);
  for await (const batch of batches) {
    for (const id of batch.tokens) if (id >= 0 && id < vocabSize) counts[id]!++;
  }
  return counts;
}

/**
 * Mean unigram cross entropy (nats per token) of the next-token targets of `batches`.
 *
 * @example
 * ```ts
 * const loss = await unigramLoss(counts, evalBatches); // e.g. 5.91
 * ```
 */
export async function unigramLoss(counts: Float64Array, batches: AsyncIterable<TokenBatch> | Iterable<TokenBatch>): Promise<{ loss: number; targets: number }> {
  const V = counts.length;
  let total = 0;
  for (const c of counts) total += c;
  const logDenominator = Math.log(total + V);
  let sum = 0;
  let targets = 0;
  for await (const batch of batches) {
    const labels = batch.labels ?? batch.tokens;
    for (let b = 0; b < batch.batchSize; b++) {
      for (let t = 1; t < batch.seqLen; t++) {
        const y = labels[b * batch.seqLen + t]!;
        if (y === IGNORE_INDEX) continue;
        sum -= Math.log((y >= 0 && y < V ? counts[y]! : 0) + 1) - logDenominator;
        targets++;
      }
    }
  }
  return { loss: targets > 0 ? sum / targets : NaN, targets };
}
