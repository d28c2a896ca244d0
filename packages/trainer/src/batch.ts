/**
 * What the trainer needs to know about a batch, without knowing its type (Composer's
 * `DataSpec`): how many samples and tokens it holds (for the clock), how many loss-generating
 * units (the weight of its mean loss when microbatches are combined), and how to cut it into
 * parts along the sample dimension (microbatches, data-parallel shards).
 *
 * {@link tokenBatchSpec} covers the usual language-model batch, {@link TokenBatch}: `batchSize`
 * rows of `seqLen` token ids (the shape `@tessera/data-streaming`'s loader yields), with
 * optional labels where -100 leaves a position out of the loss.
 */
import { TrainerConfigError } from './errors.js';

/**
 * How the trainer reads a batch type.
 *
 * @example
 * ```ts
 * const spec: BatchSpec<{ x: number[][] }> = {
 *   samples: (b) => b.x.length, tokens: (b) => b.x.length, lossWeight: (b) => b.x.length,
 *   slice: (b, start, end) => ({ x: b.x.slice(start, end) }),
 * };
 * ```
 */
export interface BatchSpec<Batch> {
  /** Samples in the batch (its leading dimension). */
  samples(batch: Batch): number;
  /** Tokens in the batch, for the `tok` clock. */
  tokens(batch: Batch): number;
  /**
   * The number of units the model's mean loss averages over (non-ignored target tokens for a
   * language model). Microbatch losses are weighted by it, so the accumulated gradient equals
   * the gradient of the whole batch's mean loss.
   */
  lossWeight(batch: Batch): number;
  /** Samples `start <= i < end` as a batch of the same type. */
  slice(batch: Batch, start: number, end: number): Batch;
}

/**
 * Token ids for a causal language model: `batchSize` rows of `seqLen` ids, row-major.
 *
 * @example
 * ```ts
 * const batch: TokenBatch = { tokens: Int32Array.from([1, 2, 3, 4, 5, 6]), batchSize: 2, seqLen: 3 };
 * ```
 */
export interface TokenBatch {
  readonly tokens: Int32Array;
  readonly batchSize: number;
  readonly seqLen: number;
  /** Per-position labels (same layout as `tokens`); -100 leaves the position's target out. Default: the tokens. */
  readonly labels?: Int32Array;
}

/** The label value that is left out of the loss (PyTorch's `ignore_index`). */
export const IGNORE_INDEX = -100;

function checkTokenBatch(batch: TokenBatch): void {
  if (!(batch.tokens instanceof Int32Array) || batch.tokens.length !== batch.batchSize * batch.seqLen) {
    throw new TrainerConfigError('tokenBatchSpec', `a TokenBatch needs tokens: Int32Array of batchSize * seqLen ids, got ${batch.tokens?.length} for ${batch.batchSize} x ${batch.seqLen}`,
      'pass a batchSpec that matches your batch type');
  }
}

/**
 * The {@link BatchSpec} of {@link TokenBatch}: samples are rows, tokens are all ids, and the loss
 * weight counts next-token targets (`seqLen - 1` per row, minus labels of -100).
 *
 * @example
 * ```ts
 * tokenBatchSpec.lossWeight({ tokens: new Int32Array(8), batchSize: 2, seqLen: 4 }); // 6
 * ```
 */
export const tokenBatchSpec: BatchSpec<TokenBatch> = {
  samples: (batch) => batch.batchSize,
  tokens: (batch) => batch.batchSize * batch.seqLen,
  lossWeight(batch) {
    checkTokenBatch(batch);
    if (!batch.labels) return batch.batchSize * Math.max(batch.seqLen - 1, 0);
    let count = 0;
    for (let b = 0; b < batch.batchSize; b++) {
      for (let t = 1; t < batch.seqLen; t++) if (batch.labels[b * batch.seqLen + t] !== IGNORE_INDEX) count++;
    }
    return count;
  },
  slice(batch, start, end) {
    checkTokenBatch(batch);
    const T = batch.seqLen;
    const tokens = batch.tokens.slice(start * T, end * T);
    return batch.labels ? { tokens, batchSize: end - start, seqLen: T, labels: batch.labels.slice(start * T, end * T) } : { tokens, batchSize: end - start, seqLen: T };
  },
};

/**
 * Cut a batch into consecutive parts of at most `size` samples (the last may be smaller).
 *
 * @example
 * ```ts
 * splitBatch(tokenBatchSpec, batch, 2); // a batch of 5 rows -> parts of 2, 2, 1
 * ```
 */
export function splitBatch<Batch>(spec: BatchSpec<Batch>, batch: Batch, size: number): Batch[] {
  const n = spec.samples(batch);
  if (!Number.isInteger(size) || size < 1) throw new TrainerConfigError('microBatchSize', `must be a positive integer, got ${size}`);
  if (size >= n) return [batch];
  const parts: Batch[] = [];
  for (let start = 0; start < n; start += size) parts.push(spec.slice(batch, start, Math.min(start + size, n)));
  return parts;
}

/**
 * Cut a batch into `count` shards of nearly equal size (the first shards get one more sample);
 * empty shards are left out.
 *
 * @example
 * ```ts
 * shardBatch(tokenBatchSpec, batch, 2); // 5 rows -> 3 and 2
 * ```
 */
export function shardBatch<Batch>(spec: BatchSpec<Batch>, batch: Batch, count: number): Batch[] {
  const n = spec.samples(batch);
  const shards: Batch[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.floor(n / count) + (i < n % count ? 1 : 0);
    if (size > 0) shards.push(spec.slice(batch, start, start + size));
    start += size;
  }
  return shards;
}
