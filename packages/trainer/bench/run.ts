/**
 * Trainer benchmark: `pnpm bench [--json] [--steps=N] [--batch=8] [--seq=256] [--peak-gflops=X]`.
 *
 * Config (the model issue's): d_model 256, 4 heads, 4 layers, vocabulary 8192, ALiBi, no bias,
 * batch 8 x 256 tokens. A training step as the trainer runs it: forward, loss, backward,
 * global-norm clipping at 1.0, a DecoupledLionW update, the clock, the speed monitor.
 *   train tokens/s   B * T / median seconds per step (after one warm-up step)
 *   MFU              tokens/s * (6N + 12 L d T) / peak FLOP/s; the peak is --peak-gflops, or
 *                    else this backend's measured float32 matmul throughput (1024^3 gemm), so
 *                    on the CPU it reads "fraction of the backend's own matmul speed"
 * The peer is PyTorch on the CPU (bench/train_torch.py, one thread, the same step), run when
 * `python3 -c "import torch"` works; otherwise its column says n/a.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackend, matmul, randn } from '@tessera/tensor';
import { createConfig, MPTForCausalLM } from '@tessera/model';
import { DecoupledLionW, gradientClipping, speedMonitor, tokenBatchSpec, Trainer, transformerFlopsPerToken, type Callback, type TokenBatch } from '../src/index.js';
import { mptTrainable } from '../test/mpt-adapter.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};
const json = args.includes('--json');
const steps = flag('steps', 3);
const B = flag('batch', 8);
const T = flag('seq', 256);

async function peakFlops(): Promise<{ value: number; source: string }> {
  const given = flag('peak-gflops', 0);
  if (given > 0) return { value: given * 1e9, source: `--peak-gflops=${given}` };
  const n = 1024;
  const [a, b] = [randn([n, n], { seed: 1 }), randn([n, n], { seed: 2 })];
  await matmul(a, b).data();
  const start = performance.now();
  const c = matmul(a, b);
  await c.data();
  const seconds = (performance.now() - start) / 1000;
  for (const t of [a, b, c]) t.dispose();
  return { value: (2 * n ** 3) / seconds, source: `measured ${getBackend().name} matmul` };
}

const config = createConfig({ dModel: 256, nHeads: 4, nLayers: 4, vocabSize: 8192, maxSeqLen: T, noBias: true });
const model = MPTForCausalLM.init(config, { seed: 0 });
const parameters = Object.values(model.parameters()).reduce((s, t) => s + t.size, 0);
const flopsPerToken = transformerFlopsPerToken({ parameters, nLayers: 4, dModel: 256, seqLen: T });
const tokens = Int32Array.from({ length: B * T }, (_, i) => (Math.floor(i / T) * 131 + (i % T) * 31) % 8192);
const batches: TokenBatch[] = Array.from({ length: steps + 1 }, () => ({ tokens, batchSize: B, seqLen: T }));
const peak = await peakFlops();
const seconds: number[] = [];
const timer: Callback = { name: 'timer', events: { 'batch-end': (s) => { seconds.push(s.timestamp.batchWct); } } };
process.stderr.write(`model: ${parameters} parameters, ${(flopsPerToken / 1e6).toFixed(1)} MFLOP/token; backend ${getBackend().name}; peak ${(peak.value / 1e9).toFixed(1)} GFLOP/s (${peak.source})\n`);
await new Trainer({ model: mptTrainable(model), trainData: batches, batchSpec: tokenBatchSpec, maxDuration: `${steps + 1}ba`,
  optimizer: new DecoupledLionW({ lr: 1e-4, betas: [0.9, 0.95] }), callbacks: [gradientClipping({ threshold: 1 }), speedMonitor({ flopsPerToken, peakFlopsPerSec: peak.value }), timer],
  handleSigint: false }).fit();
const median = seconds.slice(1).sort((a, b) => a - b)[Math.floor((seconds.length - 1) / 2)]!;
const ours = (B * T) / median;

function torchFigure(): number | string {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'train_torch.py');
  const result = spawnSync('python3', [script, `--batch=${B}`, `--seq=${T}`, `--runs=${steps}`], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return `n/a (${(result.stderr || String(result.error)).trim().split('\n').pop()})`;
  return (JSON.parse(result.stdout.trim().split('\n').pop()!) as { train: number }).train;
}
const peer = torchFigure();
const row = {
  bench: 'trainer step (Lion, clip 1.0)', config: `d256 h4 L4 V8192 B${B} T${T}`, ours_tokens_per_s: Number(ours.toFixed(1)),
  ours_mfu: Number(((ours * flopsPerToken) / peak.value).toFixed(4)),
  torch_cpu_tokens_per_s: typeof peer === 'string' ? 'n/a' : Number(peer.toFixed(1)),
  ratio: typeof peer === 'string' ? 'n/a' : Number((ours / peer).toFixed(3)),
};
console.log(json ? JSON.stringify(row) : Object.values(row).join('\t'));
if (typeof peer === 'string' && !json) console.log(`torch: ${peer}`);
