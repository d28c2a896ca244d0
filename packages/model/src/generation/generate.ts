/**
 * Autoregressive generation with a KV cache. Prompts of different lengths are left-padded into
 * one batch with an attention mask (ALiBi needs no position shift); step 0 runs the whole
 * prompt, every later step feeds only the previous token. Each row stops on its own at
 * `maxNewTokens`, at a stop id (the config's EOS included) or when its output ends with a stop
 * sequence; the stopping token(s) are part of the output. Generation may run past
 * `max_seq_len` for ALiBi models. An AbortSignal cancels between steps.
 */
import { Generator, InvalidArgumentError, scope, tensor, type Tensor } from '@tessera/tensor';
import type { MPTConfig } from '../config/mpt-config.js';
import type { ForwardOptions } from '../model/forward.js';
import { KVCache } from '../model/kv-cache.js';
import { checkSampling, chooseToken, type SamplingSettings } from './sampling.js';

/**
 * Options of `generate` and `stream`.
 *
 * @example
 * ```ts
 * const options: GenerateOptions = { maxNewTokens: 64, temperature: 0.7, topP: 0.92, repetitionPenalty: 1.1, seed: 42 };
 * ```
 */
export interface GenerateOptions {
  /** Default 20. */
  readonly maxNewTokens?: number;
  /** Stop ids and sequences are ignored until this many tokens exist (default 0). */
  readonly minNewTokens?: number;
  /** 0 = greedy. Setting temperature, topK or topP samples; with none of them (or doSample false) decoding is greedy. */
  readonly temperature?: number;
  /** Sample even at the default temperature 1. */
  readonly doSample?: boolean;
  readonly topK?: number;
  readonly topP?: number;
  readonly repetitionPenalty?: number;
  /** Extra stop ids; the config's `eos_token_id` always stops. */
  readonly stopTokenIds?: readonly number[];
  /** Token-id sequences that end generation when the output ends with one. */
  readonly stopSequences?: readonly (readonly number[])[];
  /** Ids that are never produced (e.g. the embedding rows past the tokenizer). */
  readonly suppressTokenIds?: readonly number[];
  /** Id used for left padding (default 0). */
  readonly padTokenId?: number;
  /** Seed of the sampler (default: random). */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /** Put each step's raw last-position logits into the streamed events. */
  readonly includeLogits?: boolean;
}

/**
 * One decoding step of a batch.
 *
 * @example
 * ```ts
 * for await (const step of model.stream([prompt], { maxNewTokens: 32 })) process.stdout.write(`${step.tokens[0]} `);
 * ```
 */
export interface GenerationStep {
  readonly step: number;
  /** The token chosen for each row, or null for rows that had already finished. */
  readonly tokens: readonly (number | null)[];
  /** Rows that are finished after this step. */
  readonly finished: readonly boolean[];
  /** Raw logits each row's token was chosen from (with `includeLogits`). */
  readonly logits?: readonly Float32Array[];
}

/** What generation needs from a model. */
export interface Decoder {
  readonly config: MPTConfig;
  forwardLogits(ids: Tensor, options: ForwardOptions): Tensor;
}

function settings(options: GenerateOptions): SamplingSettings {
  const temperature = options.temperature ?? 1;
  const s: SamplingSettings = {
    sample: temperature > 0 && (options.doSample ?? (options.temperature !== undefined || options.topK !== undefined || options.topP !== undefined)),
    temperature,
    topK: options.topK ?? 0,
    topP: options.topP ?? 1,
    repetitionPenalty: options.repetitionPenalty ?? 1,
  };
  checkSampling(s);
  return s;
}

function leftPad(prompts: readonly (readonly number[])[], pad: number): { ids: number[][]; mask: number[][] } {
  const T = Math.max(...prompts.map((p) => p.length));
  return {
    ids: prompts.map((p) => [...new Array<number>(T - p.length).fill(pad), ...p]),
    mask: prompts.map((p) => [...new Array<number>(T - p.length).fill(0), ...new Array<number>(p.length).fill(1)]),
  };
}

function endsWith(row: readonly number[], sequence: readonly number[]): boolean {
  if (sequence.length === 0 || sequence.length > row.length) return false;
  const offset = row.length - sequence.length;
  return sequence.every((id, i) => row[offset + i] === id);
}

const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

async function lastLogits(model: Decoder, ids: number[][], options: ForwardOptions): Promise<Float32Array[]> {
  const B = ids.length;
  const T = ids[0]!.length;
  const logits = scope(() => model.forwardLogits(tensor(ids, [B, T], 'int32'), { ...options, lastPositionOnly: true }));
  try {
    const data = (await logits.data()) as Float32Array;
    const V = logits.shape[2]!;
    return Array.from({ length: B }, (_, b) => data.slice(b * V, (b + 1) * V));
  } finally {
    logits.dispose();
  }
}

/**
 * Decode step by step, yielding each step's tokens.
 *
 * @example
 * ```ts
 * for await (const { tokens } of streamTokens(model, [[1, 2, 3]], { maxNewTokens: 8 })) console.log(tokens[0]);
 * ```
 */
export async function* streamTokens(model: Decoder, prompts: readonly (readonly number[])[], options: GenerateOptions = {}): AsyncGenerator<GenerationStep> {
  if (prompts.length === 0 || prompts.some((p) => p.length === 0)) throw new InvalidArgumentError('generate', 'every prompt needs at least one token');
  const maxNew = options.maxNewTokens ?? 20;
  const minNew = options.minNewTokens ?? 0;
  if (!Number.isInteger(maxNew) || maxNew < 0) throw new InvalidArgumentError('generate', `maxNewTokens must be a non-negative integer, got ${maxNew}`);
  const sampling = settings(options);
  const eos = model.config.eosTokenId;
  const stopIds = [...(options.stopTokenIds ?? []), ...(eos === null ? [] : typeof eos === 'number' ? [eos] : eos)];
  const stopSequences = options.stopSequences ?? [];
  const generator = new Generator(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const { ids, mask } = leftPad(prompts, options.padTokenId ?? 0);
  const B = prompts.length;
  const outputs: number[][] = prompts.map(() => []);
  const seen = prompts.map((p) => new Set(p));
  const finished = new Array<boolean>(B).fill(maxNew === 0);
  const cache = new KVCache(model.config.nLayers);
  try {
    if (maxNew === 0) return;
    options.signal?.throwIfAborted();
    let logits = await lastLogits(model, ids, { cache, attentionMask: mask });
    for (let step = 0; step < maxNew; step++) {
      const tokens = logits.map((row, b) => {
        if (finished[b]) return null;
        const banned = [...(options.suppressTokenIds ?? []), ...(outputs[b]!.length < minNew ? stopIds : [])];
        const token = chooseToken(Float64Array.from(row), sampling, seen[b]!, banned, generator);
        outputs[b]!.push(token);
        seen[b]!.add(token);
        const n = outputs[b]!.length;
        const stop = n >= minNew && (stopIds.includes(token) || stopSequences.some((s) => endsWith(outputs[b]!, s)));
        if (stop || n >= maxNew) finished[b] = true;
        return token;
      });
      yield { step, tokens, finished: [...finished], ...(options.includeLogits ? { logits } : {}) };
      if (finished.every(Boolean)) return;
      await yieldToEventLoop();
      options.signal?.throwIfAborted();
      const next = outputs.map((o, b) => [tokens[b] ?? o[o.length - 1] ?? ids[b]![ids[b]!.length - 1]!]);
      logits = await lastLogits(model, next, { cache });
    }
  } finally {
    cache.dispose();
  }
}

/**
 * Generate and collect the new ids of every prompt.
 *
 * @example
 * ```ts
 * const [continuation] = await generateTokens(model, [[1, 2, 3]], { maxNewTokens: 8 });
 * ```
 */
export async function generateTokens(model: Decoder, prompts: readonly (readonly number[])[], options: GenerateOptions = {}): Promise<number[][]> {
  const outputs: number[][] = prompts.map(() => []);
  for await (const { tokens } of streamTokens(model, prompts, options)) {
    tokens.forEach((t, b) => {
      if (t !== null) outputs[b]!.push(t);
    });
  }
  return outputs;
}
