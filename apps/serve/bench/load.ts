/**
 * Load test of tessera-serve (run by `pnpm bench`, not by the tests).
 *
 * Starts `tessera-serve` as a child process on 127.0.0.1 (loopback only) serving the tests' tiny
 * randomly initialised MPT (d_model 64, 2 layers, vocabulary 4096), then for 1, 8 and 32
 * concurrent clients runs streaming /v1/completions requests back to back for a fixed time and
 * prints requests/s, generated tokens/s, p50/p99 latency and p50/p99 time to first token, plus
 * where the server's time went (from its /metrics). The load generator shares the machine's
 * cores with the server, and on a shared machine other work does too: the rows run in
 * `--rounds` rounds (1, 8, 32, 1, 8, 32, ...), every round is printed with the load average,
 * and the summary takes each row's best round. Bounded: each row stops after --duration
 * seconds; the server is stopped at the end.
 *
 *   pnpm bench                                   # in apps/serve, or `pnpm bench` at the root
 *   pnpm bench -- --duration 5 --rounds 3 --temperature 1 --max-tokens 32 --json
 *   pnpm bench -- --backend cpu                  # the reference TypeScript backend
 *   pnpm bench -- --threads 2                    # native backend threads (default 1)
 *   pnpm bench -- --d-model 256 --layers 4       # a larger (still random) model
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeTinyModel } from '../test/tiny-model.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    'max-tokens': { type: 'string', default: '32' },
    temperature: { type: 'string', default: '0' },
    clients: { type: 'string', default: '1,8,32' },
    backend: { type: 'string', default: 'auto' },
    // The server's native backend gets one thread: the load generator needs the other core.
    threads: { type: 'string', default: '1' },
    'd-model': { type: 'string', default: '64' },
    layers: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
  args: process.argv.slice(2).filter((a) => a !== '--'), // `pnpm bench -- --json` passes the separator on
});
const durationMs = Number(args.duration) * 1000;
const rounds = Number(args.rounds);
const maxTokens = Number(args['max-tokens']);
const temperature = Number(args.temperature);
const clientCounts = args.clients.split(',').map(Number);
const dModel = Number(args['d-model']);
const nLayers = Number(args.layers);

interface Sample {
  latency: number;
  ttft: number;
  tokens: number;
}

interface Row {
  clients: number;
  round: number;
  requests: number;
  requestsPerSecond: number;
  tokensPerSecond: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  p50TtftMs: number;
  p99TtftMs: number;
  decodeSteps: number;
  meanBatch: number;
  decodeMsPerStep: number;
  busy: Record<'prefill' | 'decode' | 'sample' | 'regroup', number>;
  loadAverage: number;
}

const PROMPTS = ['The state of the Union', 'Our economy', 'In the last year', 'Congress has', 'The people of the United States', 'Peace and', 'We must', 'Taxes'];

async function startServer(dir: string): Promise<{ url: string; backend: string; stop: () => Promise<void> }> {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  const child = spawn(process.execPath, ['--conditions=@tessera/source', '--import', tsx, cli, '--model', dir, '--port', '0', '--quiet', '--model-name', 'tiny', '--max-concurrency', '32', '--backend', args.backend, ...(args.backend === 'cpu' ? [] : ['--threads', args.threads])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return {
    url,
    backend: out.match(/backend: (.*)/)?.[1] ?? 'unknown',
    stop: () =>
      new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** One streaming request; resolves with its latency, time to first token and token count. */
async function request(url: string, i: number): Promise<Sample> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', prompt: PROMPTS[i % PROMPTS.length], max_tokens: maxTokens, temperature, seed: i, stream: true, stream_options: { include_usage: true } }),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  let ttft = 0;
  let tokens = 0;
  let buffer = '';
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const data = buffer.slice(6, cut);
      buffer = buffer.slice(cut + 2);
      if (data === '[DONE]') continue;
      const chunk = JSON.parse(data) as { choices: { text: string }[]; usage?: { completion_tokens: number } | null };
      if (ttft === 0 && chunk.choices.length > 0) ttft = performance.now() - started;
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    }
  }
  return { latency: performance.now() - started, ttft, tokens };
}

/** `clients` loops of back-to-back requests for `ms`. */
async function phase(url: string, clients: number, ms: number): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() - started < ms) samples.push(await request(url, next++));
    }),
  );
  return { samples, seconds: (performance.now() - started) / 1000 };
}

/** The scheduler's counters from /metrics. */
async function schedulerCounters(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^tessera_scheduler_seconds_total\{phase="(\w+)"\} ([\d.e+-]+)$/gm)) out[m[1]!] = Number(m[2]);
  out.steps = Number(text.match(/^tessera_decode_batch_size_count (\d+)$/m)?.[1] ?? 0);
  out.rows = Number(text.match(/^tessera_decode_batch_size_sum ([\d.e+]+)$/m)?.[1] ?? 0);
  return out;
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

async function measure(url: string, clients: number, round: number): Promise<Row> {
  const before = await schedulerCounters(url);
  const { samples, seconds } = await phase(url, clients, durationMs);
  const after = await schedulerCounters(url);
  const delta = (k: string): number => (after[k] ?? 0) - (before[k] ?? 0);
  const steps = Math.max(1, delta('steps'));
  return {
    clients,
    round,
    requests: samples.length,
    requestsPerSecond: samples.length / seconds,
    tokensPerSecond: samples.reduce((n, s) => n + s.tokens, 0) / seconds,
    p50LatencyMs: quantile(samples.map((s) => s.latency), 0.5),
    p99LatencyMs: quantile(samples.map((s) => s.latency), 0.99),
    p50TtftMs: quantile(samples.map((s) => s.ttft), 0.5),
    p99TtftMs: quantile(samples.map((s) => s.ttft), 0.99),
    decodeSteps: delta('steps'),
    meanBatch: delta('rows') / steps,
    decodeMsPerStep: (1000 * delta('decode')) / steps,
    busy: { prefill: delta('prefill') / seconds, decode: delta('decode') / seconds, sample: delta('sample') / seconds, regroup: delta('regroup') / seconds },
    loadAverage: loadavg()[0]!,
  };
}

const HEADER = 'clients  requests   req/s   gen tok/s   p50 latency   p99 latency   p50 TTFT   p99 TTFT';

function format(row: Row, detail: boolean): string {
  const main =
    `${String(row.clients).padStart(7)}  ${String(row.requests).padStart(8)}  ${row.requestsPerSecond.toFixed(1).padStart(6)}  ${row.tokensPerSecond.toFixed(0).padStart(10)}  ` +
    `${row.p50LatencyMs.toFixed(0).padStart(9)} ms  ${row.p99LatencyMs.toFixed(0).padStart(9)} ms  ${row.p50TtftMs.toFixed(0).padStart(6)} ms  ${row.p99TtftMs.toFixed(0).padStart(6)} ms`;
  if (!detail) return main;
  const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
  return `${main}\n         round ${row.round}: ${row.decodeSteps} decode steps, mean batch ${row.meanBatch.toFixed(1)}, ${row.decodeMsPerStep.toFixed(1)} ms/step; server busy: decode ${pct(row.busy.decode)}, prefill ${pct(row.busy.prefill)}, sample ${pct(row.busy.sample)}, regroup ${pct(row.busy.regroup)}; load average ${row.loadAverage.toFixed(1)}`;
}

const { dir, cleanup } = await writeTinyModel({ dModel, nLayers });
const server = await startServer(dir);
try {
  // Warm up the JIT on both the single-row and the batched paths.
  await phase(server.url, 32, 3000);
  await phase(server.url, 1, 1000);
  if (!args.json) {
    console.log(`tessera-serve load test: MPT d_model ${dModel}, ${nLayers} layers, vocabulary 4096, random weights; backend ${server.backend}; streaming completions, max_tokens ${maxTokens}, temperature ${temperature}; ${args.duration} s per row, ${rounds} rounds, loopback`);
    console.log(HEADER);
  }
  const all: Row[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const clients of clientCounts) {
      const row = await measure(server.url, clients, round);
      all.push(row);
      console.log(args.json ? JSON.stringify({ bench: 'serve-load', backend: server.backend, ...row }) : format(row, true));
    }
  }
  const best = clientCounts.map((c) => all.filter((r) => r.clients === c).reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a)));
  if (!args.json) {
    console.log(`\nbest round per row:\n${HEADER}`);
    for (const row of best) console.log(format(row, false));
  }
  const one = best.find((r) => r.clients === 1);
  const many = best.find((r) => r.clients === 32);
  if (one && many) {
    const ratio = many.tokensPerSecond / one.tokensPerSecond;
    console.log(
      args.json
        ? JSON.stringify({ bench: 'serve-load-ratio', backend: server.backend, ratio, target: 4, pass: ratio >= 4 })
        : `32 clients vs 1: ${ratio.toFixed(1)}x generated tokens/s (target >= 4x): ${ratio >= 4 ? 'PASS' : 'MISS'}`,
    );
  }
} finally {
  await server.stop();
  await cleanup();
}
