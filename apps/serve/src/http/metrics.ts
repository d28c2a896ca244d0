/**
 * Prometheus metrics in the text exposition format (version 0.0.4): counters, gauges read when
 * scraped, and histograms with fixed buckets. About a hundred lines, so no client library.
 */

type Labels = Readonly<Record<string, string>>;

function labelText(labels: Labels, extra: Labels = {}): string {
  const all = { ...labels, ...extra };
  const keys = Object.keys(all);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${all[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

interface Metric {
  render(): string;
}

/** A monotonically increasing count, per label set. */
export class Counter implements Metric {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.#values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.#values.set(key, entry);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelText(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.#values.size === 0) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.#values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** A value read at scrape time (a gauge, or a counter kept elsewhere), optionally per label set. */
export class Gauge implements Metric {
  constructor(readonly name: string, readonly help: string, readonly read: () => number | readonly [Labels, number][], readonly type: 'gauge' | 'counter' = 'gauge') {}

  render(): string {
    const value = this.read();
    const samples = typeof value === 'number' ? [[{}, value] as const] : value;
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...samples.map(([labels, v]) => `${this.name}${labelText(labels)} ${v}`)].join('\n');
  }
}

/** Observations counted into cumulative buckets (`le`), with their sum and count. */
export class Histogram implements Metric {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {
    this.#counts = new Array<number>(buckets.length).fill(0);
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count++;
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) this.#counts[i]!++;
  }

  get count(): number {
    return this.#count;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    this.buckets.forEach((b, i) => {
      cumulative += this.#counts[i]!;
      lines.push(`${this.name}_bucket${labelText({}, { le: String(b) })} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.#count}`, `${this.name}_sum ${this.#sum}`, `${this.name}_count ${this.#count}`);
    return lines.join('\n');
  }
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const BATCH = [1, 2, 4, 8, 16, 32, 64, 128];

/** Everything `/metrics` reports. */
export class ServerMetrics {
  readonly requests = new Counter('tessera_requests_total', 'HTTP requests by endpoint and status code.');
  readonly promptTokens = new Counter('tessera_prompt_tokens_total', 'Prompt tokens of admitted requests.');
  readonly generatedTokens = new Counter('tessera_generated_tokens_total', 'Tokens generated.');
  readonly cancelled = new Counter('tessera_cancelled_requests_total', 'Requests cancelled because the client disconnected.');
  readonly rejected = new Counter('tessera_rejected_requests_total', 'Requests refused with 429 because the queue was full.');
  readonly latency = new Histogram('tessera_request_duration_seconds', 'Time from request to the last byte of a generation request.', SECONDS);
  readonly timeToFirstToken = new Histogram('tessera_time_to_first_token_seconds', 'Time from request to the first generated token.', SECONDS);
  readonly decodeBatch = new Histogram('tessera_decode_batch_size', 'Sequences in each decode step (continuous batching).', BATCH);
  readonly stepSeconds = new Histogram('tessera_forward_seconds', 'Duration of each forward pass (prefill and decode).', SECONDS);
  readonly #metrics: Metric[];

  constructor(gauges: { running: () => number; queued: () => number; maxBatch: () => number; cacheBytes: () => number; phaseSeconds: () => readonly [Labels, number][] }) {
    this.#metrics = [
      this.requests, this.promptTokens, this.generatedTokens, this.cancelled, this.rejected,
      new Gauge('tessera_running_sequences', 'Sequences in the running batch.', gauges.running),
      new Gauge('tessera_queued_requests', 'Requests waiting to join the batch.', gauges.queued),
      new Gauge('tessera_max_decode_batch_size', 'Largest decode batch since start.', gauges.maxBatch),
      new Gauge('tessera_kv_cache_bytes', 'Bytes held by the running batch KV cache.', gauges.cacheBytes),
      new Gauge('tessera_scheduler_seconds_total', 'Busy time of the scheduler loop by phase (prefill, decode, sample, regroup).', gauges.phaseSeconds, 'counter'),
      this.latency, this.timeToFirstToken, this.decodeBatch, this.stepSeconds,
    ];
  }

  render(): string {
    return `${this.#metrics.map((m) => m.render()).join('\n')}\n`;
  }
}
