/**
 * Fine-tuning data (llm-foundry's `finetuning` loader, `decoder_only_format: true`): JSONL lines of
 * `{"prompt": ..., "response": ...}`, `{"messages": [{role, content}, ...]}` or `{"text": ...}`
 * become token ids with a loss mask (`@tessera/tokenizer`'s ChatML or MPT-Instruct formats), so
 * only the response tokens are trained. Labels of the prompt and of padding are -100.
 *
 * Batches are padded on the right to the longest example in the batch (causal attention never
 * sees the padding of a row from its real tokens). The order is a seeded shuffle per epoch, and
 * `stateDict` records the position, so a resumed run sees the batches an uninterrupted one would.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSegments, formatChatML, formatInstruct, type FormattedExample, type Tokenizer } from '@tessera/tokenizer';
import { IGNORE_INDEX, type TokenBatch } from '@tessera/trainer';
import { UsageError } from '../errors.js';
import { eosOf } from '../steps/tokenizer.js';

/** How examples become tokens. */
export type FinetuneFormat = 'auto' | 'chatml' | 'instruct' | 'plain';

interface Example {
  readonly ids: Int32Array;
  readonly labels: Int32Array;
}

function isMessages(value: unknown): value is { role: string; content: string }[] {
  return Array.isArray(value) && value.every((m) => typeof m === 'object' && m !== null && typeof m.role === 'string' && typeof m.content === 'string');
}

/**
 * The format `auto` picks: ChatML when the tokenizer has `<|im_start|>`, else MPT-Instruct.
 *
 * @example
 * ```ts
 * resolveFormat('auto', tokenizer); // 'instruct'
 * ```
 */
export function resolveFormat(format: FinetuneFormat, tokenizer: Tokenizer): Exclude<FinetuneFormat, 'auto'> {
  if (format !== 'auto') return format;
  return tokenizer.tokenToId('<|im_start|>') !== undefined ? 'chatml' : 'instruct';
}

/**
 * One JSONL record as ids and a loss mask.
 *
 * @example
 * ```ts
 * formatRecord({ prompt: 'Name a whale.', response: 'Moby Dick.' }, tokenizer, 'instruct');
 * ```
 */
export function formatRecord(record: Record<string, unknown>, tokenizer: Tokenizer, format: Exclude<FinetuneFormat, 'auto'>): FormattedExample {
  const eos = eosOf(tokenizer)?.token ?? '';
  if (isMessages(record.messages)) return formatChatML(tokenizer, record.messages);
  if (typeof record.prompt === 'string' && typeof record.response === 'string') {
    if (format === 'chatml') return formatChatML(tokenizer, [{ role: 'user', content: record.prompt }, { role: 'assistant', content: record.response }]);
    if (format === 'instruct') return formatInstruct(tokenizer, { instruction: record.prompt, response: record.response }, eos ? { eosToken: eos } : { appendEos: false });
    return encodeSegments(tokenizer, [{ text: record.prompt, trained: false }, { text: `${record.response}${eos}`, trained: true }]);
  }
  if (typeof record.text === 'string') return encodeSegments(tokenizer, [{ text: `${record.text}${eos}`, trained: true }]);
  throw new Error('expected {"prompt": string, "response": string}, {"messages": [{"role", "content"}, ...]} or {"text": string}');
}

/**
 * Read and format a JSONL file (or `<folder>/<split>.jsonl`).
 *
 * @example
 * ```ts
 * const examples = await readFinetuneExamples('data/sft.jsonl', undefined, tokenizer, 'auto', 256);
 * ```
 */
export async function readFinetuneExamples(path: string, split: string | undefined, tokenizer: Tokenizer, format: FinetuneFormat, maxSeqLen: number): Promise<{ examples: Example[]; truncated: number; dropped: number }> {
  const file = (await stat(path)).isDirectory() ? join(path, `${split ?? 'train'}.jsonl`) : path;
  const text = await readFile(file, 'utf8');
  const chosen = resolveFormat(format, tokenizer);
  const examples: Example[] = [];
  let [truncated, dropped] = [0, 0];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    let formatted: FormattedExample;
    try {
      formatted = formatRecord(JSON.parse(line) as Record<string, unknown>, tokenizer, chosen);
    } catch (error) {
      throw new UsageError(`${file}:${i + 1}: ${(error as Error).message.split('\n')[0]}`, 'each line is one JSON object: {"prompt": ..., "response": ...} or {"messages": [...]}');
    }
    const n = Math.min(formatted.ids.length, maxSeqLen);
    if (n < formatted.ids.length) truncated++;
    const ids = Int32Array.from(formatted.ids.slice(0, n));
    const labels = Int32Array.from(formatted.ids.slice(0, n), (id, t) => (formatted.lossMask[t] ? id : IGNORE_INDEX));
    // The first position is never a target (nothing predicts it); a row needs a trained target after it.
    if (n < 2 || !labels.subarray(1).some((l) => l !== IGNORE_INDEX)) {
      dropped++;
      continue;
    }
    examples.push({ ids, labels });
  }
  if (examples.length === 0) throw new UsageError(`${file}: no usable example`, 'each example needs response tokens within max_seq_len');
  return { examples, truncated, dropped };
}

/** A seeded permutation (mulberry32 + Fisher-Yates). */
function permutation(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const random = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Batches of formatted examples for the trainer: an iterable per epoch with `length`,
 * `setEpoch` and resumable state.
 *
 * @example
 * ```ts
 * const data = new FinetuneBatches(examples, { batchSize: 4, shuffle: true, seed: 17, padId: 0, dropLast: true });
 * for (const batch of data) console.log(batch.batchSize, batch.seqLen);
 * ```
 */
export class FinetuneBatches implements Iterable<TokenBatch> {
  readonly length: number;
  #epoch = 0;
  #position = 0;
  #resumeAt = 0;

  constructor(
    readonly examples: readonly Example[],
    readonly options: { batchSize: number; shuffle: boolean; seed: number; padId: number; dropLast: boolean },
  ) {
    const full = Math.floor(examples.length / options.batchSize);
    this.length = options.dropLast || examples.length % options.batchSize === 0 ? full : full + 1;
    if (this.length === 0) throw new UsageError(`${examples.length} examples make no batch of ${options.batchSize}`, 'lower global_train_batch_size or set drop_last: false');
  }

  setEpoch(epoch: number): void {
    if (epoch !== this.#epoch) this.#resumeAt = 0;
    this.#epoch = epoch;
  }

  stateDict(): { epoch: number; batchInEpoch: number } {
    return { epoch: this.#epoch, batchInEpoch: this.#position };
  }

  loadStateDict(state: unknown): void {
    const s = state as { epoch?: number; batchInEpoch?: number };
    this.#epoch = s.epoch ?? 0;
    this.#resumeAt = s.batchInEpoch ?? 0;
  }

  *[Symbol.iterator](): Iterator<TokenBatch> {
    const { batchSize, shuffle, seed, padId } = this.options;
    const order = shuffle ? permutation(this.examples.length, seed + 1_000_003 * this.#epoch) : this.examples.map((_, i) => i);
    for (let b = this.#resumeAt; b < this.length; b++) {
      this.#position = b + 1;
      const rows = order.slice(b * batchSize, (b + 1) * batchSize).map((i) => this.examples[i]!);
      const T = Math.max(2, ...rows.map((r) => r.ids.length));
      const tokens = new Int32Array(rows.length * T).fill(padId);
      const labels = new Int32Array(rows.length * T).fill(IGNORE_INDEX);
      rows.forEach((r, i) => {
        tokens.set(r.ids, i * T);
        labels.set(r.labels, i * T);
      });
      yield { tokens, labels, batchSize: rows.length, seqLen: T };
    }
    this.#resumeAt = 0;
    this.#position = 0;
  }
}
