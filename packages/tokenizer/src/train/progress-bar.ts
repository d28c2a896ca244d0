/**
 * A progress display for training: on a terminal, one bar per stage redrawn in place (at most
 * ten times a second); elsewhere (a log file, CI), plain lines at the start of a stage, every
 * quarter of it and at its end. Takes {@link TrainProgress} reports, so it plugs into
 * `onProgress`.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar(process.stderr);
 * await trainBpe(lines, { vocabSize: 8192, onProgress: (p) => bar.update(p) });
 * bar.finish();
 * // [00:00:02] Merges        ██████████████████████░░░░░░░░  6144/8192
 * ```
 */
import type { TrainProgress } from './bpe-trainer.js';

/** Where the display writes (a Node stream such as `process.stderr`). */
export interface ProgressOutput {
  write(text: string): unknown;
  /** True for a terminal: the bar is redrawn in place. */
  isTTY?: boolean;
  /** Terminal width. */
  columns?: number;
}

const LABELS: Record<TrainProgress['stage'], string> = { read: 'Pre-tokenize', 'pre-tokenize': 'Pre-tokenize', merge: 'Merges' };

/**
 * The display itself; `update` takes every report, `finish` ends the last line.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar({ write: (text) => process.stdout.write(text), isTTY: false });
 * bar.update({ stage: 'merge', current: 4096, total: 8192 }); // [00:00:01] Merges        4096/8192
 * bar.finish();
 * ```
 */
export class ProgressBar {
  private readonly started = performance.now();
  private stage: TrainProgress['stage'] | undefined;
  private last: TrainProgress | undefined;
  private drawnAt = 0;
  private quarter = -1;

  constructor(private readonly output: ProgressOutput) {}

  /** Takes one report. */
  update(progress: TrainProgress): void {
    if (progress.stage !== this.stage) {
      this.endStage();
      this.stage = progress.stage;
      this.quarter = -1;
      this.drawnAt = 0;
    }
    this.last = progress;
    const now = performance.now();
    if (this.output.isTTY) {
      if (now - this.drawnAt >= 100 || progress.current === progress.total) {
        this.drawnAt = now;
        this.output.write(`\r${this.line(progress, true)}`);
      }
      return;
    }
    const quarter = progress.total ? Math.floor((4 * progress.current) / progress.total) : 0;
    if (quarter > this.quarter) {
      this.quarter = quarter;
      this.output.write(`${this.line(progress, false)}\n`);
    }
  }

  /** Ends the current stage's line. */
  finish(): void {
    this.endStage();
    this.stage = undefined;
  }

  private endStage(): void {
    const last = this.last;
    if (last === undefined) return;
    this.last = undefined;
    if (this.output.isTTY) this.output.write(`\r${this.line(last, true)}\n`);
    else if (this.quarter < 4) this.output.write(`${this.line(last, false)}\n`);
  }

  private line(progress: TrainProgress, bar: boolean): string {
    const seconds = Math.floor((performance.now() - this.started) / 1000);
    const clock = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60].map((n) => String(n).padStart(2, '0')).join(':');
    const bytes = progress.stage === 'read';
    const amount = (n: number): string => (bytes ? `${(n / 1e6).toFixed(1)} MB` : String(n));
    const count = progress.total === undefined ? amount(progress.current) : `${amount(progress.current)}/${amount(progress.total)}`;
    const head = `[${clock}] ${LABELS[progress.stage].padEnd(13)}`;
    if (!bar || progress.total === undefined || progress.total === 0) return `${head} ${count}`;
    const width = Math.max(10, Math.min(50, (this.output.columns || 80) - head.length - count.length - 4));
    const filled = Math.min(width, Math.round((width * progress.current) / progress.total));
    return `${head} ${'█'.repeat(filled)}${'░'.repeat(width - filled)}  ${count}`;
  }
}
