/**
 * One generated sequence (one choice of one request): its prompt, sampler, the ids and text
 * produced so far, stop handling and the events it sends to the HTTP layer.
 *
 * Text is decoded incrementally; a byte-level token that ends inside a UTF-8 character yields
 * no text until the character completes. Stop strings are found in the decoded text: text that
 * could still become the start of a stop string is held back, and when a stop string appears
 * the text is cut where it starts (the stop string itself is never sent, as with OpenAI).
 * Stop ids (EOS, `<|im_end|>` for chat) end the sequence without adding text.
 */
import { Sampler, type SamplingParams, type TokenChoice } from './sampling.js';

/** What a sequence needs from a tokenizer. */
export interface TokenText {
  /** A fresh incremental decoder (special tokens skipped). */
  stream(): { push(id: number): string; flush(): string };
  /** The text of one token on its own (for logprobs). */
  tokenText(id: number): string;
  /** The raw bytes of one token (for chat logprobs' `bytes`). */
  tokenBytes(id: number): number[];
}

/** Why a sequence ended: a stop id or stop string, or `max_tokens`. */
export type FinishReason = 'stop' | 'length';

/** A token with its log probability, as the HTTP layer formats it. */
export interface LogprobEntry {
  readonly id: number;
  readonly text: string;
  readonly bytes: number[];
  readonly logprob: number;
  /** Offset of the token's text in the completion (UTF-16 units). */
  readonly offset: number;
  readonly top: readonly { readonly id: number; readonly text: string; readonly bytes: number[]; readonly logprob: number }[];
}

/** Events of one sequence, in order: deltas, then exactly one `finish` or `error`. */
export type SequenceEvent =
  | { readonly type: 'delta'; readonly text: string; readonly logprobs: readonly LogprobEntry[] }
  | { readonly type: 'finish'; readonly reason: FinishReason; readonly completionTokens: number }
  | { readonly type: 'error'; readonly error: Error };

/** What a request asks of one sequence. */
export interface SequenceSpec {
  readonly promptIds: readonly number[];
  readonly maxTokens: number;
  readonly sampling: SamplingParams;
  readonly stopIds: readonly number[];
  readonly stopStrings: readonly string[];
  /** Number of `top_logprobs` per token, or null when logprobs are off. */
  readonly topLogprobs: number | null;
}

/** The longest suffix of `text` that is a proper prefix of one of `stops`. */
function partialStopLength(text: string, stops: readonly string[]): number {
  let best = 0;
  for (const stop of stops) {
    for (let n = Math.min(stop.length - 1, text.length); n > best; n--) {
      if (text.endsWith(stop.slice(0, n))) {
        best = n;
        break;
      }
    }
  }
  return best;
}

export class Sequence {
  readonly sampler: Sampler;
  readonly outputIds: number[] = [];
  finishReason: FinishReason | null = null;
  cancelled = false;
  readonly createdAt = performance.now();
  firstTokenAt: number | null = null;

  readonly #decoder: { push(id: number): string; flush(): string };
  #text = '';
  #emitted = 0;
  #pendingLogprobs: LogprobEntry[] = [];
  readonly #maxStopLength: number;

  constructor(
    readonly spec: SequenceSpec,
    readonly tokens: TokenText,
    readonly sink: (event: SequenceEvent) => void,
    /** Ids at or above this are never sampled (embedding rows past the tokenizer). */
    vocabularyLimit: number,
  ) {
    this.sampler = new Sampler(spec.sampling, vocabularyLimit, spec.promptIds);
    this.#decoder = tokens.stream();
    this.#maxStopLength = Math.max(0, ...spec.stopStrings.map((s) => s.length));
  }

  /** True once finished or cancelled: the scheduler drops the row before the next step. */
  get done(): boolean {
    return this.finishReason !== null || this.cancelled;
  }

  /** The id to feed at the next decode step. */
  get lastId(): number {
    return this.outputIds[this.outputIds.length - 1]!;
  }

  /** Choose the next token from this row's logits and emit whatever text is now final. */
  step(logits: Float32Array): void {
    const choice = this.sampler.next(logits, this.spec.topLogprobs);
    this.accept(choice);
  }

  /** Record a chosen token (exposed for tests). */
  accept(choice: TokenChoice): void {
    this.firstTokenAt ??= performance.now();
    this.outputIds.push(choice.id);
    if (this.spec.stopIds.includes(choice.id)) {
      this.#finish('stop', this.#text + this.#decoder.flush());
      return;
    }
    const offset = this.#text.length;
    this.#text += this.#decoder.push(choice.id);
    if (this.spec.topLogprobs !== null) this.#pendingLogprobs.push(this.#entry(choice, offset));
    const length = this.outputIds.length >= this.spec.maxTokens;
    if (this.#checkStop()) return;
    if (length) {
      this.#finish('length', this.#text + this.#decoder.flush());
      return;
    }
    const hold = this.#maxStopLength > 0 ? partialStopLength(this.#text, this.spec.stopStrings) : 0;
    this.#emit(this.#text.length - hold, false);
  }

  /** Finish now with `length` (e.g. the server is shutting down past its deadline). */
  truncate(): void {
    if (!this.done) this.#finish('length', this.#text + this.#decoder.flush());
  }

  /** End with an error (the model failed); nothing more is sent. */
  fail(error: Error): void {
    if (this.done) return;
    this.finishReason = 'stop';
    this.sink({ type: 'error', error });
  }

  /** Looks for a stop string in the text not yet sent; on a hit, finishes and returns true. */
  #checkStop(): boolean {
    if (this.#maxStopLength === 0) return false;
    const from = Math.max(0, this.#emitted - this.#maxStopLength + 1);
    let at = -1;
    for (const stop of this.spec.stopStrings) {
      const i = this.#text.indexOf(stop, from);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    }
    if (at < 0) return false;
    // Tokens whose text starts inside the stop string are dropped from logprobs.
    this.#finish('stop', this.#text.slice(0, Math.max(at, this.#emitted)), false);
    return true;
  }

  #finish(reason: FinishReason, text: string, inclusive = true): void {
    this.#text = text;
    this.finishReason = reason;
    this.#emit(text.length, inclusive);
    this.#pendingLogprobs = [];
    this.sink({ type: 'finish', reason, completionTokens: this.outputIds.length });
  }

  /**
   * Send text up to `end` and the logprobs of tokens whose text starts before it (or at it, with
   * `inclusive`: tokens that added no text, at the very end).
   */
  #emit(end: number, inclusive: boolean): void {
    const text = this.#text.slice(this.#emitted, Math.max(end, this.#emitted));
    let n = 0;
    while (n < this.#pendingLogprobs.length && (this.#pendingLogprobs[n]!.offset < end || (inclusive && this.#pendingLogprobs[n]!.offset === end))) n++;
    const logprobs = this.#pendingLogprobs.splice(0, n);
    if (text.length === 0 && logprobs.length === 0) return;
    this.#emitted += text.length;
    this.sink({ type: 'delta', text, logprobs });
  }

  #entry(choice: TokenChoice, offset: number): LogprobEntry {
    const describe = (id: number): { text: string; bytes: number[] } => ({ text: this.tokens.tokenText(id), bytes: this.tokens.tokenBytes(id) });
    return {
      id: choice.id,
      ...describe(choice.id),
      logprob: choice.logprob,
      offset,
      top: choice.top.map((t) => ({ id: t.id, ...describe(t.id), logprob: t.logprob })),
    };
  }
}
