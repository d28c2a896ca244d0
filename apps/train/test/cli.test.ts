/**
 * End to end through the command users run (`pnpm exec tessera-train`, i.e. the bin link pnpm
 * makes in the root node_modules/.bin): tiny.yaml pretrains 40 batches from nothing (tokenizer
 * and shards prepared from the bundled Moby Dick), an interrupted run resumes and ends where an
 * uninterrupted one does, `export` writes a folder that loads with `MPTForCausalLM.fromPretrained`
 * and `Tokenizer.fromFile`, `generate` prints text, `finetune` starts from the export, and a
 * config error exits with 2 naming the key.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MPTForCausalLM } from '@tessera/model';
import { Tokenizer } from '@tessera/tokenizer';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'node_modules', '.bin', 'tessera-train');
const tiny = 'apps/train/configs/tiny.yaml';
const work = mkdtempSync(join(tmpdir(), 'tessera-train-e2e-'));
const runA = join(work, 'a');
const runB = join(work, 'b');
const hf = join(work, 'hf');
const common = ['max_duration=40ba', 'save_interval=5ba', 'autoresume=true'];

afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Result { code: number | null; stdout: string; stderr: string }

/** Run `tessera-train` from the repository root; `onStderr` may send the process a signal. */
function cli(args: readonly string[], onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    // TESSERA_TRAIN_FROM_SOURCE: run src/ (a stale dist/ from an earlier `pnpm build` must not hide a change).
    const child = spawn(bin, args, { cwd: root, env: { ...process.env, TESSERA_TRAIN_FROM_SOURCE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, (signal) => child.kill(signal));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function losses(run: string): number[] {
  return readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { batch: number; loss: number })
    .sort((a, b) => a.batch - b.batch).map((r) => r.loss);
}

function checkpoints(run: string): string[] {
  return readdirSync(run).filter((n) => /^ep\d+-ba\d+$/.test(n)).sort();
}

describe('tessera-train end to end (tiny.yaml)', () => {
  it('pretrains 40 batches from a fresh folder: tokenizer, shards, checkpoints, metrics, report, baseline', async () => {
    const result = await cli(['pretrain', tiny, `save_folder=${runA}`, ...common, '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/\[epoch=|\[tokenizer|\[convert/); // --quiet: no progress
    expect(result.stdout).toMatch(/done at batch 40 \(10,240 tokens\)/);
    expect(result.stdout).toMatch(/held-out loss \d+\.\d+ \(perplexity [\d.]+\) vs unigram baseline \d+\.\d+/);
    for (const file of ['data/tokenizer/tokenizer.json', 'data/train/index.json', 'data/val/index.json', 'metrics.jsonl', 'report.html', 'summary.json', 'config.yaml']) {
      expect(existsSync(join(runA, file)), file).toBe(true);
    }
    expect(checkpoints(runA)).toEqual(['ep0-ba35', 'ep0-ba40']); // save_num_checkpoints_to_keep: 2
    expect(losses(runA)).toHaveLength(40);
    const summary = JSON.parse(readFileSync(join(runA, 'summary.json'), 'utf8')) as { evalLoss: number; unigramLoss: number; batches: number };
    expect(summary.batches).toBe(40);
    expect(Number.isFinite(summary.evalLoss) && Number.isFinite(summary.unigramLoss)).toBe(true);
    expect(readFileSync(join(runA, 'report.html'), 'utf8')).toContain('<svg');
  });

  it('an interrupted run resumes from its last checkpoint and ends with the uninterrupted losses', async () => {
    // The same run in another folder, reusing the prepared data; JSON logs; Ctrl-C after the second checkpoint.
    const args = ['pretrain', tiny, `save_folder=${runB}`, `variables.data_dir=${join(runA, 'data')}`, ...common, '--log-format', 'json'];
    let sent = false;
    const first = await cli(args, (stderr, kill) => {
      if (!sent && (stderr.match(/"event":"checkpoint"/g) ?? []).length >= 2) {
        sent = true;
        kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(first.code, first.stderr).toBe(130);
    const saved = checkpoints(runB);
    expect(saved.length).toBeGreaterThan(0);
    expect(saved.at(-1)).not.toBe('ep0-ba40');
    for (const line of first.stderr.trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow();
    expect(first.stdout).toContain('"event":"stopped"');

    const second = await cli(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`"event":"resumed"`);
    expect(checkpoints(runB).at(-1)).toBe('ep0-ba40');
    const [a, b] = [losses(runA), losses(runB)];
    expect(b).toHaveLength(40);
    expect(b).toEqual(a); // bit for bit: model, optimizer, schedule and data order are all restored
  });

  it('exports the newest checkpoint as a Hugging Face folder that loads', async () => {
    const result = await cli(['export', runA, hf]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${join(runA, 'ep0-ba40')} -> ${hf}`);
    expect(readdirSync(hf).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    const model = await MPTForCausalLM.fromPretrained(hf);
    expect(model.config).toMatchObject({ dModel: 32, nLayers: 2, vocabSize: 512, maxSeqLen: 128 });
    expect(model.config.attnConfig.alibi).toBe(true);
    const checkpoint = await MPTForCausalLM.fromPretrained(join(runA, 'ep0-ba40'));
    const name = Object.keys(model.parameters())[0]!;
    expect(Array.from(await model.parameters()[name]!.data())).toEqual(Array.from(await checkpoint.parameters()[name]!.data()));
    model.dispose();
    checkpoint.dispose();
    const tokenizer = await Tokenizer.fromFile(join(hf, 'tokenizer.json'));
    expect(tokenizer.vocabSize).toBe(512);
    const { ids } = tokenizer.encode('Call me Ishmael.', { addSpecialTokens: false });
    expect(tokenizer.decode(ids)).toBe('Call me Ishmael.');
    const config = JSON.parse(readFileSync(join(hf, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ eos_token: '<|endoftext|>', model_max_length: 128 });
  });

  it('generates text from the export and, identically, from the run folder', async () => {
    const args = ['--prompt', 'Call me', '--max-new-tokens', '12', '--seed', '7', '--quiet'];
    const fromExport = await cli(['generate', hf, ...args]);
    expect(fromExport.code, fromExport.stderr).toBe(0);
    expect(fromExport.stdout.startsWith('Call me')).toBe(true);
    expect(fromExport.stdout.trim().length).toBeGreaterThan('Call me'.length);
    const fromRun = await cli(['generate', runA, ...args]);
    expect(fromRun.stdout).toBe(fromExport.stdout);
  });

  it('fine-tunes the export on prompt/response pairs', async () => {
    const run = join(work, 'sft');
    const result = await cli(['finetune', 'apps/train/configs/finetune-tiny.yaml', `variables.base=${hf}`, `save_folder=${run}`, 'max_duration=3ba', '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\[finetune\] done at batch 3/);
    expect(checkpoints(run)).toEqual(['ep0-ba3']);
    const rows = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(3);
  });

  it('check prints the resolved config; JSON logs are one object per line', async () => {
    const result = await cli(['check', tiny, 'save_folder=/tmp/somewhere', '--log-format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const line = JSON.parse(result.stdout.trim()) as { level: string; event: string; message: string };
    expect(line).toMatchObject({ level: 'info', event: 'check' });
    expect(line.message).toContain('local: /tmp/somewhere/data/train');
  });

  it('a config error exits with 2 and names the key, the line and a fix', async () => {
    const result = await cli(['pretrain', tiny, 'model.d_modle=3']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: command-line override 'model.d_modle=3': model.d_modle: unknown setting");
    expect(result.stderr).toContain('HINT:');
  });
});
