/**
 * What the app prints. Three modes:
 *
 * - text (default): messages as lines; long steps draw a progress bar with rate and ETA, redrawn
 *   in place on a terminal, or a plain line every quarter (and at the end) elsewhere;
 * - `--log-format json`: one JSON object per line (`{"level":"info","event":"...",...}`),
 *   progress included, for CI and log collectors;
 * - `--quiet`: only warnings, errors and each command's result lines.
 *
 * Messages go to stderr, results to stdout, so `tessera-train generate ... > out.txt` captures
 * the text alone.
 */
import { formatDuration } from '@tessera/trainer';

/** `text` or `json`. */
export type LogFormat = 'text' | 'json';

/** Where output goes (Node streams by default; tests pass their own). */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Options of {@link Reporter}.
 *
 * @example
 * ```ts
 * const options: ReporterOptions = { quiet: false, format: 'json' };
 * ```
 */
export interface ReporterOptions {
  readonly quiet?: boolean;
  readonly format?: LogFormat;
  /** Messages and progress (default process.stderr). */
  readonly messages?: OutputStream;
  /** Results (default process.stdout). */
  readonly results?: OutputStream;
}

/** A value a JSON log line may carry. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

function formatNumber(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(1)}G`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/**
 * Messages, results and progress bars.
 *
 * @example
 * ```ts
 * const reporter = new Reporter({ format: 'text' });
 * const bar = reporter.progress('convert', { total: 1000, unit: 'docs' });
 * for (let i = 0; i < 1000; i++) bar.tick();
 * bar.done('1000 documents');
 * ```
 */
export class Reporter {
  readonly quiet: boolean;
  readonly format: LogFormat;
  readonly messages: OutputStream;
  readonly results: OutputStream;

  constructor(options: ReporterOptions = {}) {
    this.quiet = options.quiet ?? false;
    this.format = options.format ?? 'text';
    this.messages = options.messages ?? process.stderr;
    this.results = options.results ?? process.stdout;
  }

  /** True when messages draw in place (a terminal, text mode, not quiet). */
  get interactive(): boolean {
    return this.format === 'text' && !this.quiet && this.messages.isTTY === true;
  }

  #json(level: string, event: string, fields: LogFields, stream: OutputStream): void {
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
  }

  /** A step's message (hidden by --quiet). */
  info(event: string, message: string, fields: LogFields = {}): void {
    if (this.quiet) return;
    if (this.format === 'json') this.#json('info', event, { message, ...fields }, this.messages);
    else this.messages.write(`${message}\n`);
  }

  /** A warning (always shown). */
  warn(message: string, fields: LogFields = {}): void {
    if (this.format === 'json') this.#json('warn', 'warning', { message, ...fields }, this.messages);
    else this.messages.write(`warning: ${message}\n`);
  }

  /** An error (always shown). */
  error(message: string, fields: LogFields = {}): void {
    if (this.format === 'json') this.#json('error', 'error', { message, ...fields }, this.messages);
    else this.messages.write(`error: ${message}\n`);
  }

  /** A command's result (always shown; stdout). */
  result(event: string, message: string, fields: LogFields = {}): void {
    if (this.format === 'json') this.#json('info', event, { message, ...fields }, this.results);
    else this.results.write(`${message}\n`);
  }

  /** A progress display for a long step. */
  progress(label: string, options: { total?: number; unit?: string } = {}): Progress {
    return new Progress(this, label, options.total, options.unit ?? '');
  }

  /** Internal: a JSON progress record. */
  jsonProgress(fields: LogFields): void {
    this.#json('info', 'progress', fields, this.messages);
  }
}

/**
 * One step's progress: `[█████░░░░░] 52% 1.2M tok  340k tok/s  ETA 3s`.
 *
 * @example
 * ```ts
 * const bar = reporter.progress('tokenize', { total: bytes, unit: 'B' });
 * bar.update(done);
 * bar.done();
 * ```
 */
export class Progress {
  readonly #reporter: Reporter;
  readonly #label: string;
  readonly #unit: string;
  readonly #started = performance.now();
  #total: number | undefined;
  #current = 0;
  #drawnAt = 0;
  #quarter = -1;
  #drawn = false;
  #finished = false;

  constructor(reporter: Reporter, label: string, total: number | undefined, unit: string) {
    this.#reporter = reporter;
    this.#label = label;
    this.#total = total;
    this.#unit = unit;
  }

  /** Change the total (when it becomes known). */
  setTotal(total: number | undefined): void {
    this.#total = total;
  }

  /** Advance by `amount`. */
  tick(amount = 1): void {
    this.update(this.#current + amount);
  }

  /** Set the position. */
  update(current: number): void {
    this.#current = current;
    const r = this.#reporter;
    if (r.quiet || this.#finished) return;
    const now = performance.now();
    if (r.format === 'json') {
      if (now - this.#drawnAt >= 5000) {
        this.#drawnAt = now;
        r.jsonProgress(this.#fields());
      }
      return;
    }
    if (r.interactive) {
      if (now - this.#drawnAt >= 100) {
        this.#drawnAt = now;
        r.messages.write(`\r\x1b[2K${this.#line(true).slice(0, (r.messages.columns ?? 120) - 1)}`);
        this.#drawn = true;
      }
      return;
    }
    const quarter = this.#total ? Math.floor((4 * current) / this.#total) : -1;
    if (quarter > this.#quarter && quarter < 4) {
      this.#quarter = quarter;
      r.messages.write(`${this.#line(false)}\n`);
    }
  }

  /** Finish: the final line (with an optional summary). */
  done(summary?: string): void {
    if (this.#finished) return;
    this.#finished = true;
    // An estimated total that turned out short: the final line shows what was done.
    if (this.#total !== undefined && this.#current > this.#total) this.#total = this.#current;
    const r = this.#reporter;
    if (r.quiet) return;
    if (r.format === 'json') {
      r.jsonProgress({ ...this.#fields(), done: true, ...(summary ? { summary } : {}) });
      return;
    }
    if (this.#drawn) r.messages.write('\r\x1b[2K');
    r.messages.write(`${this.#line(false, true)}${summary ? `  ${summary}` : ''}\n`);
  }

  #fields(): LogFields {
    const seconds = (performance.now() - this.#started) / 1000;
    const rate = seconds > 0 ? this.#current / seconds : 0;
    const eta = this.#total && rate > 0 ? (this.#total - this.#current) / rate : undefined;
    return { stage: this.#label, current: this.#current, total: this.#total, unit: this.#unit, rate: Math.round(rate * 10) / 10, etaSeconds: eta === undefined ? undefined : Math.round(eta), elapsedSeconds: Math.round(seconds * 10) / 10 };
  }

  #line(bar: boolean, finished = false): string {
    const seconds = (performance.now() - this.#started) / 1000;
    const rate = seconds > 0 ? this.#current / seconds : 0;
    const unit = this.#unit ? ` ${this.#unit}` : '';
    const parts = [`[${this.#label}]`];
    if (this.#total) {
      const fraction = Math.min(1, this.#current / this.#total);
      if (bar) parts.push(`${'█'.repeat(Math.round(fraction * 20))}${'░'.repeat(20 - Math.round(fraction * 20))}`);
      parts.push(`${Math.floor(fraction * 100)}%`, `${formatNumber(this.#current)}/${formatNumber(this.#total)}${unit}`);
    } else {
      parts.push(`${formatNumber(this.#current)}${unit}`);
    }
    parts.push(`${formatNumber(rate)}${unit}/s`);
    if (finished) parts.push(`in ${formatDuration(seconds)}`);
    else if (this.#total && rate > 0) parts.push(`ETA ${formatDuration((this.#total - this.#current) / rate)}`);
    return parts.join('  ');
  }
}
