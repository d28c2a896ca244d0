/**
 * The proof of autoresume with real processes: a child process trains with
 * `autoresume: true`; it is killed with SIGKILL at a random batch (printed; set
 * TRAINER_KILL_STEP to replay one), restarted with the same command, stopped with SIGINT
 * (which ends cleanly after the batch with a checkpoint), and restarted again to the end. The
 * loss sequence in metrics.jsonl equals the uninterrupted in-process run step for step, and
 * metrics.jsonl stays valid JSONL with each batch exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listCheckpoints, readMetrics, Trainer } from '../src/index.js';
import { temporaryFolder } from './helpers.js';
import { MAX_BATCHES, runConfig } from './run-config.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/train-child.ts', import.meta.url));

/** Start the child; `onBatch` sees each finished batch number as its console line appears. */
function startChild(folder: string, onBatch: (batch: number, child: ChildProcess) => void): Promise<{ code: number | null; signal: string | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@tessera/source', script, folder], { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const match = /^\[epoch=\d+\]\[ba=(\d+)\//.exec(line);
      if (match) onBatch(Number(match[1]), child);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, output })));
}

describe('kill and resume in a child process', () => {
  it('SIGKILL at a random step, SIGINT later, restart: identical loss curve', async () => {
    const killStep = Number(process.env.TRAINER_KILL_STEP ?? 2 + Math.floor(Math.random() * 6)); // 2..7
    console.log(`kill-resume: SIGKILL after batch ${killStep} (TRAINER_KILL_STEP=${killStep} replays this)`);
    const reference = temporaryFolder();
    await new Trainer(runConfig(reference)).fit();
    const want = (await readMetrics(join(reference, 'metrics.jsonl'))).map((r) => r.loss);

    const folder = temporaryFolder();
    const killed = await startChild(folder, (batch, child) => { if (batch === killStep) child.kill('SIGKILL'); });
    expect(killed.signal, killed.output).toBe('SIGKILL');

    const interruptAt = Math.max(killStep + 1, 9);
    let sent = false;
    const interrupted = await startChild(folder, (batch, child) => {
      if (batch >= interruptAt && !sent) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(interrupted.code, interrupted.output).toBe(0);
    expect(interrupted.output).toMatch(/SIGINT: stopping after the current batch/);
    const stoppedAt = Number(/finished at (\d+) stopped=true/.exec(interrupted.output)?.[1]);
    expect(stoppedAt).toBeGreaterThanOrEqual(interruptAt);
    expect(stoppedAt).toBeLessThan(MAX_BATCHES);
    expect((await listCheckpoints(folder))[0]!.batch).toBe(stoppedAt); // a checkpoint at the stop

    const finished = await startChild(folder, () => {});
    expect(finished.code, finished.output).toBe(0);
    expect(finished.output).toMatch(new RegExp(`finished at ${MAX_BATCHES} stopped=false resumed=.*ba${stoppedAt}`));

    const lines = readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trimEnd().split('\n');
    const rows = lines.map((l) => JSON.parse(l) as { batch: number; loss: number });
    expect(rows.map((r) => r.batch)).toEqual(Array.from({ length: MAX_BATCHES }, (_, i) => i + 1));
    expect(rows.map((r) => r.loss)).toEqual(want);
  }, 120_000);
});
