/**
 * The benchmark runner every package's `pnpm bench [--json] [--runs=N] [--warmup=N] [name...]`
 * uses (each package's `bench/run.ts` calls {@link runBenchmarks} on its own folder).
 *
 * Imports every `*.bench.ts` file in that folder and runs each exported {@link Benchmark}
 * (any export with a string `name` and a `run` function), in file-name order. Positional
 * arguments select benchmarks by name or file name. Each benchmark yields rows: our figure, a
 * peer's figure from the same run, and their ratio. By default each benchmark's rows print as
 * an aligned table once it finishes; with `--json`, one JSON object per row as it is measured,
 * for comparison between commits. Progress goes to stderr so stdout stays clean.
 *
 * Other `--name=value` (or `--name value`) flags reach the benchmarks in `context.flags`,
 * e.g. `pnpm bench matmul --sizes=256,512`.
 *
 * Adding a benchmark: a new `<topic>.bench.ts` here exporting a `Benchmark`; nothing else.
 *
 * @example
 * ```ts
 * // bench/axpy.bench.ts
 * import type { Benchmark } from '@tessera/tool-bench';
 * export const axpy: Benchmark = {
 *   name: 'axpy',
 *   async *run(context) {
 *     const x = new Float64Array(1 << 20);
 *     const seconds = await context.measure({ ours: { run: () => x.map((v) => 2 * v + 1) } });
 *     yield { bench: 'axpy', ours_gbps: (16 * x.length) / seconds.ours! / 1e9 };
 *   },
 * };
 * ```
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One printed result: `bench` names the benchmark, other fields are its columns. */
export interface BenchRow {
  bench: string;
  [field: string]: string | number | boolean;
}

/** One contender in {@link BenchContext.measure}. */
export interface Contender {
  /** Untimed, before every warm-up and timed call (e.g. select a backend). */
  prepare?: () => unknown;
  /** The timed work; awaited when it returns a promise. */
  run: () => unknown;
  /**
   * `run` resolves to the seconds it measured itself (a peer in another process, which times its
   * own call so the round trip is not counted).
   */
  selfTimed?: boolean;
}

export interface BenchContext {
  /**
   * Times several contenders round-robin (one call of each per round, so a slow patch of
   * machine time hits all of them), after `warmup` untimed rounds (one if a round takes
   * over 2 s). Returns the median seconds per call for each key. Runs at least `runs`
   * rounds; while rounds are short (under 0.1 s) keeps going until about a second has been
   * spent, at most 4 * `runs` + 20 rounds.
   */
  measure<K extends string>(contenders: Record<K, Contender>): Promise<Record<K, number>>;
  /** `--name=value` flags not consumed by the runner. */
  readonly flags: Readonly<Record<string, string>>;
  /** Progress message to stderr. */
  log(message: string): void;
}

export interface Benchmark {
  name: string;
  /** One line for the table heading. */
  description?: string;
  run(context: BenchContext): AsyncIterable<BenchRow>;
}

interface Options {
  json: boolean;
  runs: number;
  warmup: number;
  select: string[];
  flags: Record<string, string>;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { json: false, runs: 5, warmup: 2, select: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (arg === '--json') {
      options.json = true;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      let value = eq < 0 ? undefined : arg.slice(eq + 1);
      if (value === undefined) {
        const next = argv[i + 1];
        value = next !== undefined && !next.startsWith('--') ? (i++, next) : 'true';
      }
      if (name === 'runs' || name === 'warmup') {
        const count = Number(value);
        if (!Number.isInteger(count) || count < (name === 'runs' ? 1 : 0)) throw new Error(`--${name} expects a count, got '${value}'`);
        options[name] = count;
      } else {
        options.flags[name] = value;
      }
    } else {
      options.select.push(arg);
    }
  }
  return options;
}

function isBenchmark(value: unknown): value is Benchmark {
  return typeof value === 'object' && value !== null
    && typeof (value as { name?: unknown }).name === 'string'
    && typeof (value as { run?: unknown }).run === 'function';
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function makeContext(options: Options): BenchContext {
  return {
    flags: options.flags,
    log: (message) => process.stderr.write(`${message}\n`),
    async measure<K extends string>(contenders: Record<K, Contender>): Promise<Record<K, number>> {
      const keys = Object.keys(contenders) as K[];
      const samples = new Map<K, number[]>(keys.map((key) => [key, []]));
      const once = async (key: K): Promise<number> => {
        const contender = contenders[key];
        await contender.prepare?.();
        const start = performance.now();
        const result = await contender.run();
        if (contender.selfTimed) {
          if (typeof result !== 'number') throw new Error('a selfTimed contender must resolve to seconds');
          return result;
        }
        return (performance.now() - start) / 1000;
      };
      for (let round = 0; round < options.warmup; round++) {
        let roundSeconds = 0;
        for (const key of keys) roundSeconds += await once(key);
        if (roundSeconds > 2) break; // one warm-up is plenty for slow calls
      }
      const maxRounds = 4 * options.runs + 20;
      let spent = 0;
      for (let round = 0; round < maxRounds; round++) {
        let roundSeconds = 0;
        for (const key of keys) {
          const seconds = await once(key);
          samples.get(key)!.push(seconds);
          roundSeconds += seconds;
        }
        spent += roundSeconds;
        if (round + 1 >= options.runs && (roundSeconds >= 0.1 || spent >= 1)) break;
      }
      return Object.fromEntries(keys.map((key) => [key, median(samples.get(key)!)])) as Record<K, number>;
    },
  };
}

function formatCell(value: string | number | boolean): string {
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function printTable(benchmark: Benchmark, rows: readonly BenchRow[]): void {
  if (rows.length === 0) return;
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const cells = rows.map((row) => columns.map((column) => (row[column] === undefined ? '' : formatCell(row[column]!))));
  const widths = columns.map((column, c) => Math.max(column.length, ...cells.map((line) => line[c]!.length)));
  const numeric = columns.map((column) => rows.every((row) => row[column] === undefined || typeof row[column] === 'number'));
  const pad = (text: string, c: number): string => (numeric[c] ? text.padStart(widths[c]!) : text.padEnd(widths[c]!));
  const lines = [
    `${benchmark.name}${benchmark.description ? `: ${benchmark.description}` : ''}`,
    columns.map(pad).join('  '),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.map((line) => line.map(pad).join('  ')),
  ];
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

/**
 * Run the benchmarks of one folder (every `*.bench.ts` in it) with command-line arguments.
 *
 * @example
 * ```ts
 * // packages/<pkg>/bench/run.ts
 * await runBenchmarks(new URL('.', import.meta.url), process.argv.slice(2));
 * ```
 */
export async function runBenchmarks(folderUrl: URL, argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv);
  const folder = fileURLToPath(folderUrl);
  const files = readdirSync(folder).filter((file) => file.endsWith('.bench.ts')).sort();
  const context = makeContext(options);
  let ran = 0;
  for (const file of files) {
    const fileName = file.slice(0, -'.bench.ts'.length);
    const fileSelected = options.select.length === 0 || options.select.includes(fileName);
    const module: Record<string, unknown> = await import(pathToFileURL(join(folder, file)).href);
    for (const benchmark of Object.values(module).filter(isBenchmark)) {
      if (!fileSelected && !options.select.includes(benchmark.name)) continue;
      ran++;
      context.log(`[bench] ${benchmark.name} (${file})`);
      const rows: BenchRow[] = [];
      for await (const row of benchmark.run(context)) {
        rows.push(row);
        if (options.json) process.stdout.write(`${JSON.stringify(row)}\n`);
        else context.log(`[bench]   ${Object.values(row).map(formatCell).join(' ')}`);
      }
      if (!options.json) printTable(benchmark, rows);
    }
  }
  if (ran === 0) {
    context.log(`[bench] nothing matched ${options.select.join(', ') || '(no *.bench.ts files)'} in ${folder}`);
    process.exitCode = 1;
  }
}

export * from './tensor-helpers.js';
