/**
 * Model benchmark: `pnpm bench [--json] [--runs=N] [--batch=8] [--seq=256] [--decode=64]`.
 *
 * Config (the issue's): d_model 256, 4 heads, 4 layers, vocabulary 8192, ALiBi, no bias.
 *   forward        tokens/s = B * T / seconds of `model.forward(ids)` + reading the logits (B 8, T 256)
 *   fwd+bwd        tokens/s = B * T / seconds of `model.valueAndGrad(ids)` (loss and every gradient)
 *   decode         tokens/s = new tokens / seconds of greedy `model.generate` (batch 1, KV cache,
 *                  a 16-token prompt, 64 new tokens)
 * Ours runs on the current @tessera/tensor backend (the reference CPU backend, one thread). The
 * peer is PyTorch on the CPU (bench/mpt_torch.py, the same config and measurements), run in
 * the same process tree when `python3 -c "import torch"` works; otherwise its column says n/a.
 * Medians of --runs calls after one warm-up call.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackend } from '@tessera/tensor';
import { createConfig, MPTForCausalLM } from '../src/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};
const json = args.includes('--json');
const runs = flag('runs', 3);
const B = flag('batch', 8);
const T = flag('seq', 256);
const decodeTokens = flag('decode', 64);

async function median(run: () => Promise<unknown> | unknown): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push((performance.now() - start) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

const config = createConfig({ dModel: 256, nHeads: 4, nLayers: 4, vocabSize: 8192, maxSeqLen: T, noBias: true });
const model = MPTForCausalLM.init(config, { seed: 0 });
const ids = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (b * 131 + t * 31) % 8192));
const prompt = [ids[0]!.slice(0, 16)];

process.stderr.write(`model: ${model.estimateMemory().summary}; backend ${getBackend().name}\n`);
const ours = {
  forward: (B * T) / (await median(async () => {
    const { logits } = model.forward(ids);
    await logits.data();
    logits.dispose();
  })),
  'fwd+bwd': (B * T) / (await median(async () => {
    const { loss, grads } = model.valueAndGrad(ids);
    await loss.item();
    loss.dispose();
    for (const g of Object.values(grads)) g.dispose();
  })),
  decode: decodeTokens / (await median(() => model.generate(prompt, { maxNewTokens: decodeTokens }))),
};

function torchFigures(): Record<string, number> | string {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'mpt_torch.py');
  const result = spawnSync('python3', [script, `--batch=${B}`, `--seq=${T}`, `--decode=${decodeTokens}`, `--runs=${runs}`], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return `n/a (${(result.stderr || String(result.error)).trim().split('\n').pop()})`;
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, number>;
}
const peer = torchFigures();

for (const [bench, value] of Object.entries(ours)) {
  const theirs = typeof peer === 'string' ? null : peer[bench] ?? null;
  const row = { bench: `mpt ${bench}`, config: `d256 h4 L4 V8192 B${bench === 'decode' ? 1 : B} T${bench === 'decode' ? `16+${decodeTokens}` : T}`,
    ours_tokens_per_s: Number(value.toFixed(1)), torch_cpu_tokens_per_s: theirs === null ? 'n/a' : Number(theirs.toFixed(1)),
    ratio: theirs === null ? 'n/a' : Number((value / theirs).toFixed(3)) };
  console.log(json ? JSON.stringify(row) : Object.values(row).join('\t'));
}
if (typeof peer === 'string' && !json) console.log(`torch: ${peer}`);
