/**
 * Per-sequence token choice on the host, in float64, in this order:
 *
 *   logprobs      log softmax of the raw logits (what `logprobs` reports: the model's own
 *                 distribution, before any of the adjustments below, as vLLM does by default)
 *   logit_bias    z[id] += bias
 *   penalties     z[id] -= frequency * count(id) + presence * [count(id) > 0] over generated ids
 *                 (OpenAI's formula); repetition_penalty (an extension) as Hugging Face
 *   banned ids    -inf (embedding rows past the tokenizer's vocabulary: ids >= `limit`)
 *   choice        `chooseToken` of @tessera/model: greedy at temperature 0, else temperature,
 *                 top-k, top-p and a draw from the sequence's own seeded Generator
 *
 * Plain temperature sampling and greedy decoding (no bias, penalties, top-k or top-p: what
 * most requests ask for) skip the float64 copies and run one exp pass over the float32 row;
 * they pick the same token as `chooseToken` for the same draw (the cumulative sum of
 * exp((z - max) / T) crosses u * total at the same id, up to rounding).
 */
import { chooseToken, type SamplingSettings } from '@tessera/model';
import { Generator } from '@tessera/tensor';

/** Sampling parameters of one sequence, after validation and defaults. */
export interface SamplingParams {
  readonly temperature: number;
  readonly topP: number;
  readonly topK: number;
  readonly presencePenalty: number;
  readonly frequencyPenalty: number;
  readonly repetitionPenalty: number;
  readonly logitBias: ReadonlyMap<number, number>;
  readonly seed: number;
}

/** One alternative in `top_logprobs`. */
export interface TopLogprob {
  readonly id: number;
  readonly logprob: number;
}

/** The chosen token with its log probability and the most likely alternatives. */
export interface TokenChoice {
  readonly id: number;
  readonly logprob: number;
  readonly top: readonly TopLogprob[];
}

/** Log softmax in float64. */
export function logSoftmax(logits: Float32Array | Float64Array): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > m) m = logits[i]!;
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i]! - m);
  const lse = m + Math.log(total);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - lse;
  return out;
}

/** The k largest entries, best first (ties: smaller id first). */
export function topEntries(values: Float64Array, k: number): TopLogprob[] {
  const top: TopLogprob[] = [];
  if (k <= 0) return top;
  for (let id = 0; id < values.length; id++) {
    const logprob = values[id]!;
    if (top.length === k && logprob <= top[k - 1]!.logprob) continue;
    let at = top.length;
    while (at > 0 && top[at - 1]!.logprob < logprob) at--;
    top.splice(at, 0, { id, logprob });
    if (top.length > k) top.pop();
  }
  return top;
}

/**
 * The sampler of one sequence: its settings, generator and the counts of its generated ids.
 *
 * @example
 * ```ts
 * const sampler = new Sampler(params, bannedIds);
 * const { id, logprob, top } = sampler.next(logitsRow, 5);
 * ```
 */
/** Exponentials of the fast path, shared (sampling runs on one thread, one row at a time). */
let scratch = new Float64Array(0);

export class Sampler {
  readonly #params: SamplingParams;
  readonly #settings: SamplingSettings;
  readonly #generator: Generator;
  readonly #limit: number;
  readonly #plain: boolean;
  #banned: number[] | null = null;
  readonly #counts = new Map<number, number>();
  readonly #seen = new Set<number>();

  /**
   * `limit`: ids at or above it are never chosen. `promptIds` seed the repetition penalty's
   * set of seen ids, as Hugging Face does.
   */
  constructor(params: SamplingParams, limit: number, promptIds: readonly number[] = []) {
    this.#params = params;
    this.#settings = {
      sample: params.temperature > 0,
      temperature: params.temperature,
      topK: params.topK,
      topP: params.topP,
      repetitionPenalty: params.repetitionPenalty,
    };
    this.#generator = new Generator(params.seed);
    this.#limit = limit;
    this.#plain = params.logitBias.size === 0 && params.presencePenalty === 0 && params.frequencyPenalty === 0 && params.repetitionPenalty === 1 && params.topK === 0 && params.topP >= 1;
    if (params.repetitionPenalty !== 1) for (const id of promptIds) this.#seen.add(id);
  }

  /**
   * Choose the next id from one row of last-position logits. `topLogprobs` null skips the
   * log-softmax entirely.
   */
  next(logits: Float32Array, topLogprobs: number | null): TokenChoice {
    const logprobs = topLogprobs === null ? null : logSoftmax(logits);
    const id = this.#plain ? this.#choosePlain(logits) : this.#chooseGeneral(logits);
    this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
    if (this.#params.repetitionPenalty !== 1) this.#seen.add(id);
    return { id, logprob: logprobs ? logprobs[id]! : 0, top: logprobs ? topEntries(logprobs, topLogprobs!) : [] };
  }

  /** Greedy or plain temperature sampling over ids below the limit. */
  #choosePlain(z: Float32Array): number {
    const n = Math.min(this.#limit, z.length);
    let best = 0;
    for (let i = 1; i < n; i++) if (z[i]! > z[best]!) best = i;
    if (!this.#settings.sample) return best;
    const m = z[best]!;
    const inverse = 1 / this.#settings.temperature;
    if (scratch.length < n) scratch = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += scratch[i] = Math.exp((z[i]! - m) * inverse);
    const u = this.#generator.nextDouble() * total;
    let cumulative = 0;
    let last = best;
    for (let i = 0; i < n; i++) {
      const e = scratch[i]!;
      if (e === 0) continue;
      last = i;
      cumulative += e;
      if (u < cumulative) return i;
    }
    return last;
  }

  /** Bias, penalties, top-k and top-p, then the model's `chooseToken`. */
  #chooseGeneral(logits: Float32Array): number {
    const z = Float64Array.from(logits);
    const p = this.#params;
    for (const [id, bias] of p.logitBias) if (id >= 0 && id < z.length) z[id] = z[id]! + bias;
    if (p.presencePenalty !== 0 || p.frequencyPenalty !== 0) {
      for (const [id, count] of this.#counts) if (id < z.length) z[id] = z[id]! - p.frequencyPenalty * count - p.presencePenalty;
    }
    this.#banned ??= Array.from({ length: Math.max(0, z.length - this.#limit) }, (_, i) => this.#limit + i);
    return chooseToken(z, this.#settings, this.#seen, this.#banned, this.#generator);
  }
}
