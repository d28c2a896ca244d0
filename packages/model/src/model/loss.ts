/**
 * Next-token cross entropy, as llm-foundry computes it: targets are the labels rolled left by one
 * with the last position ignored (-100), and the loss is the mean over the positions that are not
 * ignored. Labels default to the input ids, with padding (attention mask 0) ignored.
 */
import { crossEntropy, InvalidArgumentError, reshape, tensor, type Tensor } from '@tessera/tensor';

/** The label value that is left out of the loss. */
export const IGNORE_INDEX = -100;

/**
 * Targets [B * T] for logits [B, T, V]: `labels[b][t + 1]`, -100 at each row's last position.
 *
 * @example
 * ```ts
 * nextTokenTargets([[5, 6, 7]]); // Int32Array [6, 7, -100]
 * ```
 */
export function nextTokenTargets(labels: readonly (readonly number[])[], attentionMask?: readonly (readonly number[])[]): Int32Array {
  const B = labels.length;
  const T = labels[0]?.length ?? 0;
  const out = new Int32Array(B * T).fill(IGNORE_INDEX);
  for (let b = 0; b < B; b++) {
    const row = labels[b]!;
    if (row.length !== T) throw new InvalidArgumentError('loss', `label rows have different lengths (${row.length} vs ${T})`);
    for (let t = 0; t + 1 < T; t++) {
      const masked = attentionMask !== undefined && attentionMask[b]?.[t + 1] === 0;
      out[b * T + t] = masked ? IGNORE_INDEX : row[t + 1]!;
    }
  }
  return out;
}

/**
 * Mean next-token cross entropy of logits [B, T, V] against labels [B][T].
 *
 * @example
 * ```ts
 * const loss = causalLMLoss(logits, ids); // scalar tensor
 * ```
 */
export function causalLMLoss(logits: Tensor, labels: readonly (readonly number[])[], attentionMask?: readonly (readonly number[])[]): Tensor {
  const [B, T, V] = logits.shape as [number, number, number];
  if (labels.length !== B || labels[0]?.length !== T) {
    throw new InvalidArgumentError('loss', `labels must be [${B}][${T}] like the logits, got [${labels.length}][${labels[0]?.length}]`);
  }
  const targets = tensor(nextTokenTargets(labels, attentionMask), [B * T], 'int32');
  return crossEntropy(reshape(logits, [B * T, V]), targets, { ignoreIndex: IGNORE_INDEX });
}
