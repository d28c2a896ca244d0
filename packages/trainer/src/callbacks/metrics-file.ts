/**
 * `metrics.jsonl`: one JSON object per batch, `{"batch": 12, "epoch": 0, "sample": ..., "token": ...,
 * "loss": ..., "lr": ..., ...}` with every metric logged for that batch (including evaluation
 * metrics logged after it). Lines are written whole, each with one `write` to the file opened for
 * appending (`O_APPEND`), so the file stays valid JSONL if the process is killed. A batch's line is written
 * when the next batch starts, before a checkpoint is written, and at the end of training, so
 * every batch a checkpoint covers has its line. On start (fresh or resumed) the file keeps only
 * the lines of batches up to the starting batch, dropping the lines of batches the resumed run
 * will redo, then appends.
 */
import { appendFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../checkpoint/files.js';
import type { Callback, TrainerState } from '../events.js';

/**
 * Read a metrics file, skipping a line cut off by a crash.
 *
 * @example
 * ```ts
 * const rows = await readMetrics('runs/a/metrics.jsonl'); // [{ batch: 1, loss: 5.5, ... }, ...]
 * ```
 */
export async function readMetrics(path: string): Promise<Record<string, number>[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const rows: Record<string, number>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line) as Record<string, number>);
    } catch {
      // A torn last line (only possible on filesystems without atomic appends): ignore it.
    }
  }
  return rows;
}

/**
 * Logs metrics to `metrics.jsonl` in the save folder (or `path`).
 *
 * @example
 * ```ts
 * new Trainer({ ..., saveFolder: 'runs/a', loggers: [new MetricsFileLogger()] }); // runs/a/metrics.jsonl
 * ```
 */
export class MetricsFileLogger implements Callback {
  readonly name = 'metrics-file';
  readonly events: Callback['events'];
  #ready = false;
  #pending: Record<string, number> | undefined;
  path: string | undefined;

  constructor(options: { path?: string } = {}) {
    this.path = options.path;
    this.events = {
      'fit-start': (state) => this.#open(state),
      'batch-start': () => this.#flush(),
      'checkpoint-start': () => this.#flush(),
      'fit-end': () => this.#flush(),
    };
  }

  logMetrics(metrics: Readonly<Record<string, number>>, state: TrainerState): void {
    const t = state.timestamp;
    if (this.#pending && this.#pending.batch !== t.batch) this.#flush();
    this.#pending ??= { batch: t.batch, epoch: t.epoch, sample: t.sample, token: t.token };
    Object.assign(this.#pending, metrics);
  }

  async #open(state: TrainerState): Promise<void> {
    this.path ??= state.saveFolder ? join(state.saveFolder, 'metrics.jsonl') : undefined;
    if (!this.path) return;
    await mkdir(join(this.path, '..'), { recursive: true });
    const rows = await readMetrics(this.path);
    const kept = rows.filter((r) => typeof r.batch === 'number' && r.batch <= state.timestamp.batch);
    if (kept.length !== rows.length || rows.length === 0) await writeFileAtomic(this.path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.#ready = true;
  }

  #flush(): void {
    if (this.#pending && this.#ready && this.path) appendFileSync(this.path, `${JSON.stringify(this.#pending)}\n`);
    this.#pending = undefined;
  }
}
