/**
 * Choosing the next token from last-position logits, with Hugging Face semantics, in this order:
 * repetition penalty (z / rho if z > 0 else z * rho, for every id already in the row), banned
 * ids (-inf), then greedy argmax, or temperature, top-k (keep z >= the k-th largest), top-p
 * (drop tokens whose ascending cumulative probability is <= 1 - p, always keeping the best),
 * softmax and a draw from a seeded Generator. Runs on the host in float64.
 */
import type { Generator } from '@tessera/tensor';
import { InvalidArgumentError } from '@tessera/tensor';

/**
 * Sampling settings after defaults.
 *
 * @example
 * ```ts
 * const s: SamplingSettings = { sample: true, temperature: 0.7, topK: 50, topP: 0.92, repetitionPenalty: 1.1 };
 * ```
 */
export interface SamplingSettings {
  /** false: greedy (argmax). */
  readonly sample: boolean;
  readonly temperature: number;
  /** 0 disables. */
  readonly topK: number;
  /** 1 disables. */
  readonly topP: number;
  /** 1 disables. */
  readonly repetitionPenalty: number;
}

/** Validate sampling numbers; throws InvalidArgumentError naming the option. */
export function checkSampling(s: SamplingSettings): void {
  if (!(s.temperature >= 0) || !Number.isFinite(s.temperature)) throw new InvalidArgumentError('generate', `temperature must be >= 0, got ${s.temperature}`);
  if (!Number.isInteger(s.topK) || s.topK < 0) throw new InvalidArgumentError('generate', `topK must be a non-negative integer, got ${s.topK}`);
  if (!(s.topP > 0 && s.topP <= 1)) throw new InvalidArgumentError('generate', `topP must lie in (0, 1], got ${s.topP}`);
  if (!(s.repetitionPenalty > 0)) throw new InvalidArgumentError('generate', `repetitionPenalty must be positive, got ${s.repetitionPenalty}`);
}

/**
 * Apply the repetition penalty in place to the ids in `seen`.
 *
 * @example
 * ```ts
 * applyRepetitionPenalty(logits, new Set([5, 9]), 1.1);
 * ```
 */
export function applyRepetitionPenalty(logits: Float64Array, seen: ReadonlySet<number>, penalty: number): void {
  if (penalty === 1) return;
  for (const id of seen) {
    const z = logits[id];
    if (z === undefined) continue;
    logits[id] = z > 0 ? z / penalty : z * penalty;
  }
}

/** Index of the largest value (the first on ties), as torch.argmax. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Keep the k largest logits (all ties of the k-th), setting the rest to -inf, in place.
 *
 * @example
 * ```ts
 * topKFilter(logits, 50);
 * ```
 */
export function topKFilter(logits: Float64Array, k: number): void {
  if (k <= 0 || k >= logits.length) return;
  const threshold = Float64Array.from(logits).sort()[logits.length - k]!;
  for (let i = 0; i < logits.length; i++) if (logits[i]! < threshold) logits[i] = -Infinity;
}

/**
 * Nucleus filtering in place: sorted ascending, tokens whose cumulative probability is <= 1 - p
 * are dropped; the most likely token always stays.
 *
 * @example
 * ```ts
 * topPFilter(logits, 0.9);
 * ```
 */
export function topPFilter(logits: Float64Array, p: number): void {
  if (p >= 1) return;
  const order = Array.from(logits.keys()).sort((a, b) => logits[a]! - logits[b]!);
  const probs = softmax(logits);
  let cumulative = 0;
  for (let r = 0; r < order.length - 1; r++) {
    const i = order[r]!;
    cumulative += probs[i]!;
    if (cumulative <= 1 - p) logits[i] = -Infinity;
    else break;
  }
}

/** Softmax in float64 (-inf entries get 0). */
export function softmax(logits: Float64Array): Float64Array {
  let m = -Infinity;
  for (const z of logits) if (z > m) m = z;
  const out = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += out[i] = Math.exp(logits[i]! - m);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / total;
  return out;
}

/**
 * The next token for one row. `logits` is modified.
 *
 * @example
 * ```ts
 * const id = chooseToken(Float64Array.from(lastLogits), settings, seen, banned, generator);
 * ```
 */
export function chooseToken(logits: Float64Array, s: SamplingSettings, seen: ReadonlySet<number>, banned: readonly number[], generator: Generator): number {
  applyRepetitionPenalty(logits, seen, s.repetitionPenalty);
  for (const id of banned) if (id >= 0 && id < logits.length) logits[id] = -Infinity;
  if (!s.sample || s.temperature === 0) return argmax(logits);
  if (s.temperature !== 1) for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! / s.temperature;
  topKFilter(logits, s.topK);
  topPFilter(logits, s.topP);
  const probs = softmax(logits);
  const u = generator.nextDouble();
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i]! === 0) continue;
    last = i;
    cumulative += probs[i]!;
    if (u < cumulative) return i;
  }
  return last;
}
