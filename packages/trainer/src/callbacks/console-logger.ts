/**
 * Console output. In a terminal: one progress line redrawn in place,
 *
 *   [██████████░░░░░░░░░░] 512/1000ba  loss 2.3456  1,234 tok/s  ETA 1m02s
 *
 * elsewhere (CI logs, pipes): a plain line every `interval` batches,
 *
 *   [epoch=0][ba=512/1000] loss: 2.3456 lr: 0.0001 tokens/s: 1234 eta: 62s
 *
 * Evaluation results and checkpoints get their own lines in both modes.
 */
import { elapsedFraction, formatTime } from '../time.js';
import type { Callback, TrainerState } from '../events.js';

/** Text output the logger writes to (process.stdout by default). */
export interface ConsoleStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Seconds as `1h02m03s`, `4m05s` or `6s`.
 *
 * @example
 * ```ts
 * formatDuration(3723); // '1h02m03s'
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h ? `${h}h${pad(m)}m${pad(r)}s` : m ? `${m}m${pad(r)}s` : `${r}s`;
}

/**
 * Progress and metrics on the console.
 *
 * @example
 * ```ts
 * new ConsoleLogger({ interval: 10 }); // plain lines every 10 batches when not a TTY
 * ```
 */
export class ConsoleLogger implements Callback {
  readonly name = 'console';
  readonly events: Callback['events'];
  readonly #stream: ConsoleStream;
  readonly #tty: boolean;
  readonly #interval: number;
  #start: { time: number; fraction: number; token: number } | undefined;
  #metrics: Record<string, number> = {};
  #drawn = false;

  constructor(options: { stream?: ConsoleStream; interval?: number; progressBar?: boolean } = {}) {
    this.#stream = options.stream ?? process.stdout;
    this.#tty = options.progressBar ?? this.#stream.isTTY === true;
    this.#interval = options.interval ?? 1;
    this.events = {
      'fit-start': (state) => {
        this.#start = { time: performance.now(), fraction: elapsedFraction(state.timestamp, state.maxDuration), token: state.timestamp.token };
      },
      'batch-end': (state) => this.#batchEnd(state),
      'eval-end': (state) => this.#line(`[eval][ba=${state.timestamp.batch}] loss: ${state.evalLoss?.toFixed(4)} perplexity: ${state.evalPerplexity?.toFixed(3)}`),
      'checkpoint-end': (state) => {
        if (!this.#tty) this.#line(`[checkpoint] ${state.lastCheckpoint}`);
      },
      'fit-end': (state) => {
        if (this.#drawn) this.#stream.write('\n');
        this.#drawn = false;
        this.#line(`[fit] done at ${state.timestamp.batch}ba, ${state.timestamp.token} tokens${state.stopRequested ? ' (stopped early)' : ''}`);
      },
    };
  }

  logMetrics(metrics: Readonly<Record<string, number>>): void {
    Object.assign(this.#metrics, metrics);
  }

  #line(text: string): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
    this.#stream.write(`${text}\n`);
  }

  #batchEnd(state: TrainerState): void {
    const t = state.timestamp;
    const start = this.#start ?? { time: performance.now(), fraction: 0, token: 0 };
    const seconds = (performance.now() - start.time) / 1000;
    const fraction = elapsedFraction(t, state.maxDuration);
    const eta = fraction > start.fraction ? ((1 - fraction) * seconds) / (fraction - start.fraction) : NaN;
    const tokensPerSec = seconds > 0 ? (t.token - start.token) / seconds : 0;
    const max = state.maxDuration;
    const position = `${t.get(max.unit === 'dur' ? 'ba' : max.unit)}/${formatTime(max)}`;
    const loss = this.#metrics.loss ?? state.loss;
    this.#metrics = {};
    if (this.#tty) {
      const width = 20;
      const filled = Math.min(width, Math.round(Math.min(1, fraction) * width));
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      const text = `[${bar}] ${position}  loss ${loss.toFixed(4)}  ${Math.round(tokensPerSec).toLocaleString('en-US')} tok/s  ETA ${formatDuration(eta)}`;
      this.#stream.write(`\r\x1b[2K${text.slice(0, (this.#stream.columns ?? 200) - 1)}`);
      this.#drawn = true;
    } else if (t.batch % this.#interval === 0) {
      this.#line(`[epoch=${t.epoch}][ba=${position}] loss: ${loss.toFixed(4)} lr: ${state.lr.toPrecision(4)} tokens/s: ${Math.round(tokensPerSec)} eta: ${formatDuration(eta)}`);
    }
  }
}
