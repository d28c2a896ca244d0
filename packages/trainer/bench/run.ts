/**
 * Trainer benchmark: `pnpm bench [--json] [--backend=native|reference] [--threads=1,2] [--steps=N]
 * [--runs=N] [--rounds=N] [--batch=8] [--seq=256] [--decode=64] [--peak-gflops=X] [--profile] [--no-peer]`.
 *
 * Config (the model issue's): d_model 256, 4 heads, 4 layers, vocabulary 8192, ALiBi, no bias,
 * batch 8 x 256 tokens. For each thread count, on the chosen backend (native by default):
 *   train    B * T / median seconds of a training step as the trainer runs it (forward, loss,
 *            backward, global-norm clipping at 1.0, a DecoupledLionW update, the clock, the speed
 *            monitor), after one warm-up step; MFU = tokens/s * (6N + 12 L d T) / peak FLOP/s, the
 *            peak being --peak-gflops or else this backend's measured 1024^3 matmul throughput
 *   forward  B * T / median seconds of `model.forward(ids)` and reading the logits
 *   decode   new tokens / median seconds of greedy `model.generate` (batch 1, KV cache, a 16-token
 *            prompt, --decode new tokens)
 * next to PyTorch on the CPU at the same thread count (bench/train_torch.py, the same model and
 * measurements), run right after ours with a Python that has torch (`python3`, else
 * `/usr/bin/python3`; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for it); otherwise the peer
 * column says n/a. ratio = ours / torch. Each figure is also given per CPU second (`cpu_*`: tokens
 * over the process's user + system CPU time, every thread), which a busy shared machine disturbs
 * far less than wall time; at one thread it is the fairer comparison (with more threads it also
 * counts time a thread spends waiting for work). --rounds=N alternates ours and torch N times and reports
 * the median of each (the machine may be shared: both then see the same share of it).
 * --profile: also print where the native training step's time goes (milliseconds per kernel).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNativeBackend } from '@tessera/kernels-native';
import { createCpuBackend, getBackend, matmul, randn, useBackend, type Backend } from '@tessera/tensor';
import { createConfig, MPTForCausalLM } from '@tessera/model';
import { DecoupledLionW, gradientClipping, speedMonitor, tokenBatchSpec, Trainer, transformerFlopsPerToken, type Callback, type TokenBatch } from '../src/index.js';
import { mptTrainable } from '../test/mpt-adapter.js';
import { profiled, printProfile } from './profile.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};
const text = (name: string, fallback: string): string => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const json = args.includes('--json');
const profile = args.includes('--profile');
const steps = flag('steps', 3);
const runs = flag('runs', 3);
const B = flag('batch', 8);
const T = flag('seq', 256);
const decodeTokens = flag('decode', 64);
const backendName = text('backend', 'native');
const threadCounts = text('threads', '1,2').split(',').map(Number);

/** The median (the upper one of an even count). */
const middle = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** This process's CPU seconds (user + system, every thread). */
function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Median wall seconds and median CPU seconds of `runs` calls after one warm-up call. */
async function timed(run: () => Promise<unknown> | unknown): Promise<{ wall: number; cpu: number }> {
  await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [start, startCpu] = [performance.now(), cpuSeconds()];
    await run();
    wall.push((performance.now() - start) / 1000);
    cpu.push(cpuSeconds() - startCpu);
  }
  return { wall: middle(wall), cpu: middle(cpu) };
}

async function median(run: () => Promise<unknown> | unknown): Promise<number> {
  return (await timed(run)).wall;
}

async function peakFlops(): Promise<{ value: number; source: string }> {
  const given = flag('peak-gflops', 0);
  if (given > 0) return { value: given * 1e9, source: `--peak-gflops=${given}` };
  const n = 1024;
  const [a, b] = [randn([n, n], { seed: 1 }), randn([n, n], { seed: 2 })];
  const seconds = await median(async () => {
    const c = matmul(a, b);
    await c.data();
    c.dispose();
  });
  for (const t of [a, b]) t.dispose();
  return { value: (2 * n ** 3) / seconds, source: `measured ${getBackend().name} matmul` };
}

/** A Python with torch: `python3` on PATH, else Debian's. */
function torchPython(): string | null {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', 'import torch'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return candidate;
  }
  return null;
}

function torchFigures(python: string | null, threads: number): Record<string, number> | string {
  if (!python) return 'n/a (no python3 with torch: apt-get install python3-torch)';
  const script = join(dirname(fileURLToPath(import.meta.url)), 'train_torch.py');
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const result = spawnSync(python, [script, `--batch=${B}`, `--seq=${T}`, `--runs=${runs}`, `--threads=${threads}`, `--decode=${decodeTokens}`],
    { encoding: 'utf8', env });
  if (result.error || result.status !== 0) return `n/a (${(result.stderr || String(result.error)).trim().split('\n').pop()})`;
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

const config = createConfig({ dModel: 256, nHeads: 4, nLayers: 4, vocabSize: 8192, maxSeqLen: T, noBias: true });
const tokens = Int32Array.from({ length: B * T }, (_, i) => (Math.floor(i / T) * 131 + (i % T) * 31) % 8192);
const ids = Array.from({ length: B }, (_, b) => Array.from(tokens.subarray(b * T, (b + 1) * T)));
const prompt = [ids[0]!.slice(0, 16)];
const python = args.includes('--no-peer') ? null : torchPython();
const original = getBackend();
const rounds = flag('rounds', 1);

/** Train, forward and decode tokens/s of ours on the current backend (one model, as described above). */
async function measureOurs(threads: number, peakFlopsPerSec: number): Promise<Record<string, number>> {
  const model = MPTForCausalLM.init(config, { seed: 0 });
  const seconds: number[] = [];
  const cpu: number[] = [];
  let batchCpu = 0;
  const timer: Callback = {
    name: 'timer',
    events: {
      'batch-start': () => { batchCpu = cpuSeconds(); },
      'batch-end': (s) => {
        seconds.push(s.timestamp.batchWct);
        cpu.push(cpuSeconds() - batchCpu);
      },
    },
  };
  const batches: TokenBatch[] = Array.from({ length: steps + 1 }, () => ({ tokens, batchSize: B, seqLen: T }));
  await new Trainer({ model: mptTrainable(model), trainData: batches, batchSpec: tokenBatchSpec, maxDuration: `${steps + 1}ba`,
    optimizer: new DecoupledLionW({ lr: 1e-4, betas: [0.9, 0.95] }), callbacks: [gradientClipping({ threshold: 1 }), speedMonitor({ flopsPerToken, peakFlopsPerSec }), timer],
    handleSigint: false }).fit();
  if (profile) printProfile(`training steps (${steps + 1}), ${threads} thread(s)`, steps + 1);
  const forward = await timed(async () => {
    const { logits } = model.forward(ids);
    await logits.data();
    logits.dispose();
  });
  const decode = await timed(() => model.generate(prompt, { maxNewTokens: decodeTokens }));
  const result: Record<string, number> = {
    train: (B * T) / middle(seconds.slice(1)),
    forward: (B * T) / forward.wall,
    decode: decodeTokens / decode.wall,
    cpu_train: (B * T) / middle(cpu.slice(1)),
    cpu_forward: (B * T) / forward.cpu,
    cpu_decode: decodeTokens / decode.cpu,
  };
  if (profile) printProfile(`forward (${runs + 1}) and decode (${runs + 1} x ${decodeTokens} tokens), ${threads} thread(s)`, 1);
  model.dispose();
  return result;
}

const parameters = Object.values(MPTForCausalLM.init(config, { seed: 0 }).parameters()).reduce((s, t) => s + t.size, 0);
const flopsPerToken = transformerFlopsPerToken({ parameters, nLayers: 4, dModel: 256, seqLen: T });

for (const threads of threadCounts) {
  const backend: Backend = backendName === 'reference' ? createCpuBackend() : await createNativeBackend({ threads });
  useBackend(profile ? profiled(backend) : backend);
  const peak = await peakFlops();
  process.stderr.write(`model: ${parameters} parameters, ${(flopsPerToken / 1e6).toFixed(1)} MFLOP/token; backend ${backend.name}` +
    `${'threads' in backend ? ` (${String(backend.threads)} threads)` : ''}; peak ${(peak.value / 1e9).toFixed(1)} GFLOP/s (${peak.source})\n`);
  // Rounds alternate ours and the peer, so both see the same share of a busy machine; medians over rounds.
  const oursRounds: Record<string, number>[] = [];
  const peerRounds: Record<string, number>[] = [];
  let peerError = '';
  for (let round = 0; round < rounds; round++) {
    useBackend(profile ? profiled(backend) : backend);
    oursRounds.push(await measureOurs(threads, peak.value));
    useBackend(original);
    const peer = torchFigures(python, threads);
    if (typeof peer === 'string') peerError = peer;
    else peerRounds.push(peer);
    process.stderr.write(`round ${round + 1}/${rounds}, ${threads} thread(s): ours ${JSON.stringify(oursRounds.at(-1))} torch ${typeof peer === 'string' ? peer : JSON.stringify(peer)}\n`);
  }
  for (const bench of ['train', 'forward', 'decode']) {
    const value = middle(oursRounds.map((r) => r[bench]!));
    const theirs = peerRounds.length ? middle(peerRounds.map((r) => r[bench]!)) : null;
    const valueCpu = middle(oursRounds.map((r) => r[`cpu_${bench}`]!));
    const theirsCpu = peerRounds.length && peerRounds.every((r) => r[`cpu_${bench}`] !== undefined) ? middle(peerRounds.map((r) => r[`cpu_${bench}`]!)) : null;
    const row = {
      bench: `mpt ${bench}`, backend: `${backend.name}/${threads}t`,
      config: `d256 h4 L4 V8192 B${bench === 'decode' ? 1 : B} T${bench === 'decode' ? `16+${decodeTokens}` : T}`,
      ours_tokens_per_s: Number(value.toFixed(1)), torch_cpu_tokens_per_s: theirs === null ? 'n/a' : Number(theirs.toFixed(1)),
      ratio: theirs === null ? 'n/a' : Number((value / theirs).toFixed(3)),
      ours_per_cpu_s: Number(valueCpu.toFixed(1)), torch_per_cpu_s: theirsCpu === null ? 'n/a' : Number(theirsCpu.toFixed(1)),
      cpu_ratio: theirsCpu === null ? 'n/a' : Number((valueCpu / theirsCpu).toFixed(3)),
      mfu: bench === 'train' ? Number(((value * flopsPerToken) / peak.value).toFixed(4)) : '',
      rounds, load: Number(loadavg()[0]!.toFixed(2)),
    };
    console.log(json ? JSON.stringify(row) : Object.values(row).join('\t'));
  }
  if (peerError && !json) console.log(`torch: ${peerError}`);
}
