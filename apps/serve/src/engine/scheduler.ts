/**
 * Continuous batching. One loop owns the model and a running batch of sequences that share a
 * {@link BatchCache}; between two decode steps, finished and cancelled sequences leave the batch
 * and waiting requests join it.
 *
 *   loop:
 *     admit waiting requests while rows fit    one left-padded prefill forward for all their
 *                                              distinct prompts; first tokens sampled
 *     regroup                                  one copy of the cache: rows that finished or
 *                                              were cancelled leave, prefilled rows join
 *                                              (BatchCache.compose). Finished rows may ride
 *                                              along a few steps until enough change
 *                                              (#admitNow) to pay for the copy.
 *     decode step                              forward([B, 1] last ids, cache) -> logits
 *                                              [B, 1, V] -> each row samples its next token
 *     yield to the event loop                  HTTP reads, writes and disconnects happen here
 *
 * Every sequence keeps its own sampler, stop conditions and max tokens; rows are independent
 * except that they share the matrix products of one forward pass. A request's `n` choices are
 * prefilled once and the cache row is copied n times.
 */
import type { MPTForCausalLM } from '@tessera/model';
import { BatchCache } from './batch-cache.js';
import { Sequence, type SequenceEvent, type SequenceSpec, type TokenText } from './sequence.js';

/** Limits of the scheduler. */
export interface SchedulerOptions {
  /** Most sequences in the running batch. */
  readonly maxBatchSize: number;
  /** Most requests waiting for room in the batch; one more is refused with {@link QueueFullError}. */
  readonly maxQueue: number;
  /** Prompt tokens prefilled per loop iteration (at least one request is always admitted). */
  readonly maxPrefillTokens: number;
  /** Ids at or above this are never sampled (embedding rows past the tokenizer's vocabulary). */
  readonly vocabularyLimit: number;
}

/** One forward pass, for metrics and tests. */
export interface StepInfo {
  readonly kind: 'prefill' | 'decode';
  /** Rows in the forward pass. */
  readonly rows: number;
  /** Token positions computed (rows x width). */
  readonly tokens: number;
  readonly seconds: number;
}

/** Thrown by `submit` when the queue is full (HTTP 429). */
export class QueueFullError extends Error {
  constructor(readonly queued: number) {
    super(`the server is at capacity: ${queued} requests are already waiting`);
    this.name = 'QueueFullError';
  }
}

/** A request's sequences; `cancel` stops them (the client went away). */
export interface Submission {
  readonly sequences: readonly Sequence[];
  cancel(): void;
}

/** Prefilled sequences about to join the batch: row `rows[i]` of `cache` belongs to `sequences[i]`. */
interface Joining {
  readonly cache: BatchCache;
  readonly sequences: readonly Sequence[];
  readonly rows: readonly number[];
}

interface Waiting {
  readonly sequences: Sequence[];
  readonly promptTokens: number;
  /** `stats.decodeSteps` when it arrived. */
  readonly since: number;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Scheduler {
  readonly #model: MPTForCausalLM;
  readonly #tokens: TokenText;
  readonly #options: SchedulerOptions;
  #waiting: Waiting[] = [];
  #rows: Sequence[] = [];
  #cache: BatchCache;
  #loop: Promise<void> | null = null;
  #idle: (() => void)[] = [];
  /** Called after every forward pass. */
  onStep: ((info: StepInfo) => void) | null = null;
  /** Totals since start; the seconds split the loop's busy time by phase. */
  readonly stats = {
    prefills: 0, decodeSteps: 0, decodeRows: 0, maxDecodeRows: 0, generatedTokens: 0, regroups: 0,
    prefillSeconds: 0, decodeSeconds: 0, sampleSeconds: 0, regroupSeconds: 0,
  };

  constructor(model: MPTForCausalLM, tokens: TokenText, options: SchedulerOptions) {
    this.#model = model;
    this.#tokens = tokens;
    this.#options = options;
    this.#cache = new BatchCache(model.config.nLayers);
  }

  /** Sequences generating in the running batch (finished rows that still ride along excluded). */
  get running(): number {
    return this.#live();
  }

  #live(): number {
    let n = 0;
    for (const s of this.#rows) if (!s.done) n++;
    return n;
  }

  /** Bytes held by the running batch's KV cache. */
  get cacheBytes(): number {
    return this.#cache.bytes;
  }

  /** Requests waiting to join the batch. */
  get queued(): number {
    return this.#waiting.length;
  }

  /**
   * Queue a request's sequences (its prompts x `n` choices); they join the batch together.
   * Specs that share one `promptIds` array are prefilled once. Throws {@link QueueFullError}
   * when they do not fit now and `maxQueue` requests already wait.
   */
  submit(specs: readonly SequenceSpec[], sinks: readonly ((event: SequenceEvent) => void)[]): Submission {
    if (specs.length > this.#options.maxBatchSize) throw new RangeError(`${specs.length} sequences exceed the batch limit ${this.#options.maxBatchSize}`);
    let free = this.#options.maxBatchSize - this.#live();
    let blocked = 0;
    for (const w of this.#waiting) {
      if (blocked === 0 && w.sequences.length <= free) free -= w.sequences.length;
      else blocked++;
    }
    if ((blocked > 0 || specs.length > free) && blocked >= this.#options.maxQueue) throw new QueueFullError(blocked);
    const sequences = specs.map((spec, i) => new Sequence(spec, this.#tokens, sinks[i]!, this.#options.vocabularyLimit));
    const waiting: Waiting = { sequences, since: this.stats.decodeSteps, promptTokens: new Set(specs.map((s) => s.promptIds)).size === 1 ? specs[0]!.promptIds.length : specs.reduce((n, s) => n + s.promptIds.length, 0) };
    this.#waiting.push(waiting);
    this.#start();
    return {
      sequences,
      cancel: () => {
        for (const s of sequences) s.cancelled = true;
        this.#waiting = this.#waiting.filter((w) => w !== waiting);
      },
    };
  }

  /** Resolves when nothing runs or waits. */
  whenIdle(): Promise<void> {
    if (!this.#loop) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Finish every sequence now with `length` and drop the queue (shutdown past its deadline). */
  truncateAll(): void {
    for (const w of this.#waiting) for (const s of w.sequences) s.truncate();
    this.#waiting = [];
    for (const s of this.#rows) s.truncate();
  }

  #start(): void {
    if (this.#loop) return;
    this.#loop = (async () => {
      await yieldToEventLoop(); // let the submitting request handler return first
      try {
        await this.#run();
      } finally {
        this.#loop = null;
        for (const resolve of this.#idle.splice(0)) resolve();
      }
    })();
  }

  async #run(): Promise<void> {
    for (;;) {
      try {
        const joining = this.#admitNow() ? await this.#admit() : null;
        const dead = this.#rows.filter((s) => s.done).length;
        if (joining || dead >= Math.max(2, Math.ceil(this.#rows.length / 4)) || dead === this.#rows.length) this.#regroup(joining);
        if (this.#rows.length === 0 && this.#waiting.length === 0) return;
        if (this.#rows.length > 0) await this.#decode();
      } catch (error) {
        // A failed forward pass (out of memory, a kernel error): fail the batch, keep serving.
        const e = error instanceof Error ? error : new Error(String(error));
        for (const s of this.#rows) s.fail(e);
        this.#rows = [];
        this.#cache.dispose();
        this.#cache = new BatchCache(this.#model.config.nLayers);
      }
      await yieldToEventLoop();
    }
  }

  /**
   * Whether waiting requests join now. Each join costs a prefill forward and a copy of the
   * batch's cache, so while a large batch runs (8 rows or more), arrivals gather until 4 of
   * their sequences fit or the oldest has waited 3 decode steps; one prefill and one copy then
   * serve them all. A small or empty batch admits at once.
   */
  #admitNow(): boolean {
    const first = this.#waiting[0];
    if (!first) return false;
    const live = this.#live();
    if (live < 8) return true;
    let fits = 0;
    for (const w of this.#waiting) {
      if (live + fits + w.sequences.length > this.#options.maxBatchSize) break;
      fits += w.sequences.length;
    }
    return fits > 0 && (fits >= 4 || this.stats.decodeSteps - first.since >= 3);
  }

  /**
   * Rebuild the batch without finished or cancelled rows and with the rows that join, in one
   * copy of the cache.
   */
  #regroup(joining: Joining | null): void {
    const keepRows = this.#rows.flatMap((s, i) => (s.done ? [] : [i]));
    const joiningRows = joining ? joining.sequences.flatMap((s, i) => (s.done ? [] : [i])) : [];
    if (keepRows.length === this.#rows.length && joiningRows.length === 0) {
      joining?.cache.dispose();
      return;
    }
    const started = performance.now();
    const next = BatchCache.compose([
      { cache: this.#cache, rows: keepRows },
      ...(joining ? [{ cache: joining.cache, rows: joiningRows.map((i) => joining.rows[i]!) }] : []),
    ]);
    this.#cache.dispose();
    joining?.cache.dispose();
    this.#cache = next;
    this.#rows = [...keepRows.map((i) => this.#rows[i]!), ...joiningRows.map((i) => joining!.sequences[i]!)];
    this.stats.regroups++;
    this.stats.regroupSeconds += (performance.now() - started) / 1000;
  }

  /**
   * Prefill the waiting requests that fit (one left-padded forward over their distinct prompts)
   * and sample their first tokens. Returns the prefill cache and each sequence's row in it.
   */
  async #admit(): Promise<Joining | null> {
    const group: Sequence[] = [];
    const live = this.#live();
    let budget = this.#options.maxPrefillTokens;
    while (this.#waiting.length > 0) {
      const next = this.#waiting[0]!;
      const sequences = next.sequences.filter((s) => !s.cancelled);
      if (live + group.length + sequences.length > this.#options.maxBatchSize) break;
      if (group.length > 0 && next.promptTokens > budget) break;
      this.#waiting.shift();
      group.push(...sequences);
      budget -= next.promptTokens;
    }
    if (group.length === 0) return null;

    const prompts: (readonly number[])[] = [];
    const rows = group.map((s) => {
      const i = prompts.indexOf(s.spec.promptIds);
      return i >= 0 ? i : prompts.push(s.spec.promptIds) - 1;
    });
    const T = Math.max(...prompts.map((p) => p.length));
    const ids = prompts.map((p) => [...new Array<number>(T - p.length).fill(0), ...p]);
    const attentionMask = prompts.map((p) => [...new Array<number>(T - p.length).fill(0), ...new Array<number>(p.length).fill(1)]);
    const cache = new BatchCache(this.#model.config.nLayers);
    try {
      const started = performance.now();
      const logits = await this.#forward(ids, { cache, attentionMask });
      const seconds = (performance.now() - started) / 1000;
      this.stats.prefills++;
      this.stats.prefillSeconds += seconds;
      this.onStep?.({ kind: 'prefill', rows: prompts.length, tokens: prompts.length * T, seconds });
      const sampling = performance.now();
      group.forEach((s, i) => this.#sample(s, logits[rows[i]!]!));
      this.stats.sampleSeconds += (performance.now() - sampling) / 1000;
      return { cache, sequences: group, rows };
    } catch (error) {
      cache.dispose();
      const e = error instanceof Error ? error : new Error(String(error));
      for (const s of group) s.fail(e);
      return null;
    }
  }

  /** One decode step for every row of the batch. */
  async #decode(): Promise<void> {
    const started = performance.now();
    const B = this.#rows.length;
    const rows = await this.#forward(this.#rows.map((s) => [s.lastId]), { cache: this.#cache });
    this.stats.decodeSteps++;
    this.stats.decodeRows += B;
    this.stats.maxDecodeRows = Math.max(this.stats.maxDecodeRows, B);
    const seconds = (performance.now() - started) / 1000;
    this.stats.decodeSeconds += seconds;
    this.onStep?.({ kind: 'decode', rows: B, tokens: B, seconds });
    const sampling = performance.now();
    this.#rows.forEach((s, b) => {
      if (!s.done) this.#sample(s, rows[b]!);
    });
    this.stats.sampleSeconds += (performance.now() - sampling) / 1000;
  }

  #sample(s: Sequence, logits: Float32Array): void {
    if (s.done) return;
    try {
      s.step(logits);
      this.stats.generatedTokens++;
    } catch (error) {
      // Only this sequence fails; if even its error cannot be delivered, it is dropped.
      try {
        s.fail(error instanceof Error ? error : new Error(String(error)));
      } catch {
        s.cancelled = true;
      }
    }
  }

  async #forward(ids: number[][], options: Parameters<MPTForCausalLM['forward']>[1]): Promise<Float32Array[]> {
    const { logits } = this.#model.forward(ids, { ...options, lastPositionOnly: true });
    try {
      const raw = await logits.data();
      const data = raw instanceof Float32Array ? raw : Float32Array.from(raw as ArrayLike<number>);
      const V = logits.shape[2]!;
      return ids.map((_, b) => data.subarray(b * V, (b + 1) * V));
    } finally {
      logits.dispose();
    }
  }
}
