/**
 * Checkpoints and autoresume in process: a run stopped by an AbortSignal (or one whose last
 * checkpoint is gone, or corrupt) and restarted with the same config produces the loss sequence
 * of the uninterrupted run exactly, step for step; metrics.jsonl covers every batch once.
 */
import { readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCheckpoints, readMetrics, Trainer, verifyCheckpoint, type Callback, type CheckpointState } from '../src/index.js';
import { temporaryFolder } from './helpers.js';
import { MAX_BATCHES, runConfig } from './run-config.js';

async function losses(folder: string): Promise<number[]> {
  const rows = await readMetrics(join(folder, 'metrics.jsonl'));
  expect(rows.map((r) => r.batch)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
  return rows.map((r) => r.loss!);
}

function abortAt(batch: number, controller: AbortController): Callback {
  return { name: 'abort', events: { 'batch-end': (s) => { if (s.timestamp.batch === batch) controller.abort(); } } };
}

const references = new Map<boolean, number[]>();
async function referenceLosses(resumable = true): Promise<number[]> {
  if (!references.has(resumable)) {
    const folder = temporaryFolder();
    const result = await new Trainer(runConfig(folder, { resumable })).fit();
    expect(result).toMatchObject({ stopped: false, resumedFrom: undefined });
    references.set(resumable, await losses(folder));
  }
  expect(references.get(resumable)).toHaveLength(MAX_BATCHES);
  return references.get(resumable)!;
}

describe('autoresume', () => {
  for (const resumable of [true, false]) {
    it(`a run stopped by AbortSignal and restarted equals the uninterrupted run (${resumable ? 'resumable loader' : 'plain array, spun forward'})`, async () => {
      const folder = temporaryFolder();
      const controller = new AbortController();
      const first = await new Trainer(runConfig(folder, { resumable, signal: controller.signal, callbacks: [abortAt(7, controller)] })).fit();
      expect(first).toMatchObject({ stopped: true });
      expect(first.timestamp.batch).toBe(7);
      expect(first.lastCheckpoint).toBe(join(folder, 'ep1-ba7')); // stopped mid-epoch 1, with a checkpoint
      const second = await new Trainer(runConfig(folder, { resumable })).fit();
      expect(second.resumedFrom).toBe(join(folder, 'ep1-ba7'));
      expect(await losses(folder)).toEqual(await referenceLosses(resumable));
      expect((await listCheckpoints(folder)).map((c) => c.name)).toEqual(['ep2-ba12', 'ep1-ba9', 'ep1-ba7', 'ep1-ba6', 'ep0-ba3']);
    });
  }

  it('resuming from an older checkpoint drops the metrics of the batches it redoes', async () => {
    const folder = temporaryFolder();
    const controller = new AbortController();
    await new Trainer(runConfig(folder, { signal: controller.signal, callbacks: [abortAt(8, controller)] })).fit();
    rmSync(join(folder, 'ep1-ba8'), { recursive: true }); // as if killed after batch 8 before its checkpoint
    expect((await readMetrics(join(folder, 'metrics.jsonl'))).length).toBe(8);
    const result = await new Trainer(runConfig(folder)).fit();
    expect(result.resumedFrom).toBe(join(folder, 'ep1-ba6'));
    expect(await losses(folder)).toEqual(await referenceLosses());
  });

  it('a truncated or corrupt newest checkpoint is detected and the previous one used', async () => {
    const folder = temporaryFolder();
    const controller = new AbortController();
    await new Trainer(runConfig(folder, { signal: controller.signal, callbacks: [abortAt(10, controller)] })).fit();
    truncateSync(join(folder, 'ep2-ba10', 'model.safetensors'), 40);
    const warnings: string[] = [];
    const result = await new Trainer({ ...runConfig(folder), warn: (w) => warnings.push(w) }).fit();
    expect(warnings.join('\n')).toMatch(/skipping checkpoint .*ep2-ba10.*model\.safetensors.*truncated/);
    expect(result.resumedFrom).toBe(join(folder, 'ep1-ba9'));
    expect(await losses(folder)).toEqual(await referenceLosses());
  });

  it('checkpoints hold weights, optimizer, scheduler, clock, RNG and data state; keep the last N', async () => {
    const folder = temporaryFolder();
    await new Trainer({ ...runConfig(folder), saveNumCheckpointsToKeep: 2 }).fit();
    expect(readdirSync(folder).sort()).toEqual(['ep1-ba9', 'ep2-ba12', 'metrics.jsonl', 'report.html']);
    const dir = join(folder, 'ep1-ba9');
    const manifest = await verifyCheckpoint(dir);
    expect(Object.keys(manifest.files)).toEqual(['model.safetensors', 'optimizer.safetensors', 'state.json']);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as CheckpointState;
    expect(state).toMatchObject({
      format: 'tessera-trainer-state', version: 1, seed: 42, scheduler: 'CosineAnnealingWithWarmupScheduler', rng: { scheme: 'per-batch', seed: 42 },
      timestamp: { epoch: 1, batch: 9, batchInEpoch: 4, sample: 36, token: 288 }, previousTimestamp: { batch: 8 },
      optimizer: { name: 'DecoupledLionW', step: 9, hyperparameters: { lr: 1e-2, betas: [0.9, 0.95], weightDecay: 1e-4 } },
      data: { train: { epoch: 1, position: 4 } }, metadata: { microBatchSize: 2 },
    });
    const header = readFileSync(join(dir, 'optimizer.safetensors'));
    expect(header.toString('utf8', 8, 200)).toMatch(/"exp_avg\/head".*"exp_avg\/wte"/);
    const html = readFileSync(join(folder, 'report.html'), 'utf8');
    expect(html).toMatch(/<polyline[^>]+points="([\d.]+,[\d.]+ ){11}[\d.]+,[\d.]+"/);
    // Rerunning a finished run resumes at the end and does nothing.
    const again = await new Trainer({ ...runConfig(folder), saveNumCheckpointsToKeep: 2 }).fit();
    expect(again).toMatchObject({ stopped: false, resumedFrom: join(folder, 'ep2-ba12') });
    expect(await losses(folder)).toEqual(await referenceLosses());
    expect(readdirSync(folder).sort()).toEqual(['ep1-ba9', 'ep2-ba12', 'metrics.jsonl', 'report.html']);
  });

  it('loadPath starts from a given checkpoint', async () => {
    const source = temporaryFolder();
    const controller = new AbortController();
    await new Trainer(runConfig(source, { signal: controller.signal, callbacks: [abortAt(6, controller)] })).fit();
    const folder = temporaryFolder();
    const result = await new Trainer({ ...runConfig(folder), autoresume: false, loadPath: join(source, 'ep1-ba6') }).fit();
    expect(result.resumedFrom).toBe(join(source, 'ep1-ba6'));
    const rows = await readMetrics(join(folder, 'metrics.jsonl'));
    expect(rows.map((r) => r.batch)).toEqual([7, 8, 9, 10, 11, 12]);
    expect(rows.map((r) => r.loss)).toEqual((await referenceLosses()).slice(6));
  });
});
