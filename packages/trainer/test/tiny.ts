/**
 * Test fixtures without vitest (child processes and workers import them): a tiny differentiable
 * language model (embedding -> tanh -> output projection), deterministic token batches, a
 * resumable loader and an event recorder.
 */
import { crossEntropy, embedding, Generator, keep, matmul, mul, randn, reshape, tanh, tensor, type Tensor } from '@tessera/tensor';
import { IGNORE_INDEX, type Callback, type ForwardContext, type Trainable, type TokenBatch, type TrainerEvent } from '../src/index.js';

/** Next-token targets [B*T] of a token batch (labels rolled left, last position ignored). */
export function nextTokenTargets(batch: TokenBatch): Tensor {
  const { batchSize: B, seqLen: T } = batch;
  const labels = batch.labels ?? batch.tokens;
  const out = new Int32Array(B * T).fill(IGNORE_INDEX);
  for (let b = 0; b < B; b++) for (let t = 0; t + 1 < T; t++) out[b * T + t] = labels[b * T + t + 1]!;
  return tensor(out, [B * T], 'int32');
}

/** A tiny language model: logits = tanh(wte[ids]) @ head. */
export class TinyLm implements Trainable<TokenBatch> {
  #params: Record<string, Tensor>;

  /** With `dropout` > 0 the forward pass drops embedding features using the batch's generator. */
  constructor(readonly vocab = 16, readonly dim = 8, seed = 1, readonly dropout = 0) {
    this.#params = {
      wte: keep(randn([vocab, dim], { seed, std: 0.5 })),
      head: keep(randn([dim, vocab], { seed: seed + 1, std: 0.3 })),
    };
  }

  parameters(): Record<string, Tensor> {
    return { ...this.#params };
  }

  setParameters(updates: Readonly<Record<string, Tensor>>): void {
    for (const [name, t] of Object.entries(updates)) {
      const old = this.#params[name];
      this.#params[name] = keep(t);
      if (old !== t) old?.dispose();
    }
  }

  forward(params: Readonly<Record<string, Tensor>>, batch: TokenBatch, context?: ForwardContext): Tensor {
    const ids = tensor(batch.tokens, [batch.batchSize, batch.seqLen], 'int32');
    let h = tanh(embedding(params.wte!, ids));
    if (this.dropout > 0 && context?.training) {
      const mask = Float32Array.from({ length: h.size }, () => (context.generator.nextDouble() < this.dropout ? 0 : 1 / (1 - this.dropout)));
      h = mul(h, tensor(mask, h.shape));
    }
    return matmul(h, params.head!);
  }

  loss(logits: Tensor, batch: TokenBatch): Tensor {
    return crossEntropy(reshape(logits, [-1, this.vocab]), nextTokenTargets(batch), { ignoreIndex: IGNORE_INDEX });
  }

  dispose(): void {
    for (const t of Object.values(this.#params)) t.dispose();
  }
}

/** Tokens of a seeded Markov chain over `vocab` ids (learnable: each id prefers a few successors). */
export function markovTokens(count: number, vocab = 16, seed = 7): Int32Array {
  const g = new Generator(seed);
  const out = new Int32Array(count);
  let id = 0;
  for (let i = 0; i < count; i++) {
    out[i] = id;
    const r = g.nextDouble();
    id = r < 0.6 ? (id * 3 + 1) % vocab : r < 0.9 ? (id + 5) % vocab : Math.floor(g.nextDouble() * vocab);
  }
  return out;
}

/** `count` batches of `batchSize` x `seqLen` consecutive windows of `tokens`. */
export function tokenBatches(tokens: Int32Array, options: { batchSize: number; seqLen: number; count: number; offset?: number }): TokenBatch[] {
  const { batchSize, seqLen, count } = options;
  const batches: TokenBatch[] = [];
  let at = options.offset ?? 0;
  for (let i = 0; i < count; i++) {
    const data = new Int32Array(batchSize * seqLen);
    for (let r = 0; r < batchSize; r++, at += seqLen) {
      if (at + seqLen > tokens.length) at = 0;
      data.set(tokens.subarray(at, at + seqLen), r * seqLen);
    }
    batches.push({ tokens: data, batchSize, seqLen });
  }
  return batches;
}

/**
 * A resumable, epoch-aware loader over fixed batches: each epoch visits them in an order
 * shuffled by the epoch number; stateDict/loadStateDict resume mid-epoch.
 */
export class ResumableLoader implements AsyncIterable<TokenBatch> {
  epoch = 0;
  yielded = 0;
  resume: { epoch: number; position: number } | undefined;

  constructor(readonly batches: readonly TokenBatch[]) {}

  get length(): number {
    return this.batches.length;
  }

  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  order(epoch: number): number[] {
    const g = new Generator(1000 + epoch);
    const idx = this.batches.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(g.nextDouble() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx;
  }

  stateDict(): { epoch: number; position: number } {
    return { epoch: this.epoch, position: this.yielded };
  }

  loadStateDict(state: unknown): void {
    this.resume = state as { epoch: number; position: number };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TokenBatch> {
    const order = this.order(this.epoch);
    let start = 0;
    if (this.resume && this.resume.epoch === this.epoch) start = this.resume.position;
    this.resume = undefined;
    for (this.yielded = start; this.yielded < order.length;) {
      const batch = this.batches[order[this.yielded]!]!;
      this.yielded++;
      yield batch;
    }
  }
}

/** A callback that records every event (and, optionally, only some). */
export function recorder(events?: readonly TrainerEvent[]): Callback & { log: string[] } {
  const log: string[] = [];
  const all = ['fit-start', 'epoch-start', 'batch-start', 'forward-start', 'forward-end', 'loss-start', 'loss-end', 'backward-start', 'backward-end',
    'optimizer-step-start', 'optimizer-step-end', 'batch-end', 'eval-start', 'eval-batch-start', 'eval-batch-end', 'eval-end', 'checkpoint-start',
    'checkpoint-end', 'epoch-end', 'fit-end'] as const;
  const handlers = Object.fromEntries(all.filter((e) => !events || events.includes(e)).map((e) => [e, () => {
    log.push(e);
  }]));
  return { name: 'recorder', events: handlers, log };
}

