/**
 * Encoding on worker threads (Node only; `node:worker_threads` is imported on demand, so the
 * package stays browser-safe). Each worker holds its own copy of the tokenizer; texts are
 * grouped into jobs of about 64K characters, and a long text is first cut at safe places (see
 * `safe-cuts.ts`) so that one book also keeps every thread busy. Results are put back in input
 * order, so the output is exactly `tokenizer.encodeBatch(texts).map((e) => e.ids)`, whatever
 * the thread count or timing.
 *
 * Workers are unreferenced while idle: a forgotten pool does not keep the process alive.
 *
 * @example
 * ```ts
 * import { Tokenizer, createEncoderPool } from '@tessera/tokenizer';
 * const tokenizer = await Tokenizer.fromFile('tokenizer.json');
 * const pool = await createEncoderPool(tokenizer, { threads: 2 });
 * const ids = await pool.encodeBatch(documents, { addSpecialTokens: false });
 * await pool.close();
 * ```
 */
import type { Worker } from 'node:worker_threads';
import { TokenizerInputError } from '../errors.js';
import { specialAffixes, trySafeCuts, type SafeCuts } from '../streaming/safe-cuts.js';
import type { Tokenizer } from '../tokenizer.js';
import type { EncodeJob, EncodeResult } from './encode-worker.js';

/** Options of {@link createEncoderPool}. */
export interface EncoderPoolOptions {
  /** Worker threads (default: the machine's available parallelism). */
  threads?: number;
  /** Characters per job (default 65,536); long texts are cut to about this size. */
  jobSize?: number;
}

/** Options of {@link EncoderPool.encodeBatch}. */
export interface PoolEncodeOptions {
  /** As in `Tokenizer.encode` (default true). */
  addSpecialTokens?: boolean;
}

interface PendingJob {
  message: Omit<EncodeJob, 'job'>;
  resolve: (result: { ids: Int32Array; lengths: Int32Array }) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  busy: PendingJob | null;
}

/**
 * Worker threads that encode with one tokenizer. Create it with {@link createEncoderPool}.
 *
 * @example
 * ```ts
 * const pool = await EncoderPool.create(tokenizer, { threads: 2 });
 * const [ids] = await pool.encodeBatch(['Call me Ishmael.'], { addSpecialTokens: false });
 * await pool.close();
 * ```
 */
export class EncoderPool {
  private readonly queue: PendingJob[] = [];
  private readonly cuts: SafeCuts | null;
  private affixes: [number[], number[]] | undefined;
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly pool: Thread[],
    private readonly jobSize: number,
  ) {
    this.cuts = trySafeCuts(tokenizer);
    for (const thread of pool) {
      thread.worker.on('message', (result: EncodeResult) => this.settle(thread, result));
      thread.worker.on('error', (error: Error) => this.fail(error));
      thread.worker.on('exit', (code) => {
        if (!this.closed) this.fail(new TokenizerInputError('encodeBatch', `an encoder worker exited with code ${code}`));
      });
      thread.worker.unref();
    }
  }

  /** Starts the workers (see {@link createEncoderPool}). */
  static async create(tokenizer: Tokenizer, options: EncoderPoolOptions = {}): Promise<EncoderPool> {
    const { Worker } = await import('node:worker_threads');
    const os = await import('node:os');
    const threads = options.threads ?? os.availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new TokenizerInputError('createEncoderPool', `threads must be a positive integer, got ${threads}`);
    }
    if (tokenizer.padding) {
      throw new TokenizerInputError('createEncoderPool', 'the tokenizer pads each batch to a common length, which a pool of workers cannot do', 'disable padding on the tokenizer and pad the ids afterwards');
    }
    const json = JSON.stringify(tokenizer.toJSON());
    const entry = await workerEntry();
    const pool = Array.from({ length: threads }, (): Thread => ({ worker: new Worker(entry.script, { eval: entry.eval, workerData: { json } }), busy: null }));
    return new EncoderPool(tokenizer, pool, options.jobSize ?? 65_536);
  }

  /** Number of worker threads. */
  get threads(): number {
    return this.pool.length;
  }

  /**
   * Encodes texts on the workers; resolves to each text's ids, exactly as
   * `tokenizer.encode(text, options).ids` gives them.
   *
   * @example
   * ```ts
   * const [a, b] = await pool.encodeBatch(['Hello world', 'Call me Ishmael.'], { addSpecialTokens: false });
   * ```
   */
  async encodeBatch(texts: readonly string[], options: PoolEncodeOptions = {}): Promise<number[][]> {
    const addSpecialTokens = options.addSpecialTokens ?? true;
    const cuts = this.cuts;
    // Units of work: [text index, part]; parts of a cut text are encoded without specials.
    const owners: number[] = [];
    const parts: string[] = [];
    texts.forEach((text, i) => {
      for (const part of cuts && text.length > this.jobSize ? cuts.split(text, this.jobSize) : [text]) {
        owners.push(i);
        parts.push(part);
      }
    });
    const wrap = cuts !== null && addSpecialTokens && this.tokenizer.postProcessor !== null;
    if (wrap) this.affixes ??= specialAffixes(this.tokenizer);
    const jobs: Promise<{ ids: Int32Array; lengths: Int32Array }>[] = [];
    for (let start = 0; start < parts.length; ) {
      let end = start;
      let size = 0;
      while (end < parts.length && (end === start || size + parts[end]!.length <= this.jobSize)) size += parts[end++]!.length;
      jobs.push(this.submit({ texts: parts.slice(start, end), addSpecialTokens: addSpecialTokens && !wrap }));
      start = end;
    }
    const out = texts.map((): number[] => []);
    let unit = 0;
    for (const { ids, lengths } of await Promise.all(jobs)) {
      let offset = 0;
      for (let k = 0; k < lengths.length; k++, unit++) {
        const target = out[owners[unit]!]!;
        const length = lengths[k]!;
        for (let i = 0; i < length; i++) target.push(ids[offset + i]!);
        offset += length;
      }
    }
    if (wrap) {
      const [prefix, suffix] = this.affixes!;
      return out.map((ids) => [...prefix, ...ids, ...suffix]);
    }
    return out;
  }

  /** Stops the workers; pending jobs are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(new TokenizerInputError('encodeBatch', 'the encoder pool was closed'));
    await Promise.all(this.pool.map((thread) => thread.worker.terminate()));
  }

  private submit(message: Omit<EncodeJob, 'job'>): Promise<{ ids: Int32Array; lengths: Int32Array }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const thread of this.pool) {
      if (thread.busy !== null) continue;
      const job = this.queue.shift();
      if (job === undefined) return;
      thread.busy = job;
      thread.worker.ref();
      thread.worker.postMessage({ job: 0, ...job.message } satisfies EncodeJob);
    }
  }

  private settle(thread: Thread, result: EncodeResult): void {
    const job = thread.busy;
    thread.busy = null;
    if (this.queue.length === 0) thread.worker.unref();
    if (job !== null) {
      if ('error' in result) job.reject(new TokenizerInputError('encodeBatch', result.error));
      else job.resolve(result);
    }
    this.dispatch();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const thread of this.pool) {
      thread.busy?.reject(error);
      thread.busy = null;
      thread.worker.unref();
    }
    for (const job of this.queue.splice(0)) job.reject(error);
  }
}

/**
 * Starts a pool of worker threads encoding with `tokenizer` (a snapshot: later changes to the
 * tokenizer do not reach the workers).
 *
 * @example
 * ```ts
 * const pool = await createEncoderPool(tokenizer, { threads: 2 });
 * const batches = await pool.encodeBatch(texts);
 * await pool.close();
 * ```
 */
export function createEncoderPool(tokenizer: Tokenizer, options: EncoderPoolOptions = {}): Promise<EncoderPool> {
  return EncoderPool.create(tokenizer, options);
}

/**
 * How to start a worker: `encode-worker.js` beside this file when running from `dist`; from the
 * TypeScript source (tests, `tsx`), a small script that loads `encode-worker.ts` through tsx's
 * `tsImport` (a worker runs none of the parent's `--import` loaders).
 */
async function workerEntry(): Promise<{ script: URL | string; eval: boolean }> {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return { script: new URL('./encode-worker.js', self), eval: false };
  const { createRequire } = await import('node:module');
  const { readFile } = await import('node:fs/promises');
  const { pathToFileURL } = await import('node:url');
  const manifest = createRequire(self).resolve('tsx/package.json');
  const { exports } = JSON.parse(await readFile(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = new URL(exports['./esm/api']!.import.default, pathToFileURL(manifest)).href;
  const worker = new URL('./encode-worker.ts', self).href;
  return { script: `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(worker)}, ${JSON.stringify(self)}));`, eval: true };
}
