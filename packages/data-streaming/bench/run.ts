/**
 * Read throughput: `pnpm bench [--size=256] [--seq=2048] [--batch=8] [--rounds=5] [--warmup=3] [--json]`.
 *
 * Generates (once) two tokenized MDS datasets of `--size` MB each, `--seq` tokens per sample,
 * in the git-ignored `bench/.data/`: llm-foundry's layout `{ tokens: 'ndarray:int32' }` (each
 * sample carries a 4-byte length and a 3-byte shape header) and the fixed-shape layout
 * `{ tokens: 'ndarray:int32:<seq>' }` (samples are exactly their tokens; `convertTextToMDS`
 * writes it with `fixedShape: true`). Then, in the same run, it measures:
 *
 * - `raw read`: reading every shard file sequentially into a 1 MiB buffer (the peer figure);
 * - `dataset`: `for await` over a local `StreamingDataset`, decoding every sample;
 * - `dataset, shuffled (py1e)`: the same in mosaicml's shuffled order;
 * - `batches, in process` and `batches, 2 workers`: `TokenBatchLoader` producing `Int32Array`
 *   batches of `--batch` x `--seq` (each released after use, so buffers are reused);
 * - the raw read and both batch rows again on the fixed-shape dataset (ratios to its own raw read).
 *
 * Each row prints samples/s, MB/s and the ratio to the raw read of the same bytes, and the
 * process CPU time (all threads, so worker threads count) with its ratio to the raw read's,
 * which is steadier than wall time on a shared machine. The page
 * cache is warmed first, so the figures compare software overhead, not the disk. After
 * `--warmup` untimed rounds (JIT tiering; worker threads warm up separately), rounds alternate
 * between contenders, each timed next to its own raw read of the same bytes (before it in
 * even rounds, after it in odd ones); throughputs are medians of `--rounds`, ratios medians
 * of the paired ratios; the `best` columns compare the fastest round with the fastest raw read,
 * the figure least disturbed by other jobs on a shared machine. With `--json`, one JSON object
 * per row.
 */
import { existsSync, mkdirSync, openSync, readSync, closeSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { MDSWriter, StreamingDataset, TokenBatchLoader } from '@tessera/data-streaming';

const flags = Object.fromEntries(
  process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => {
    const [k, v] = a.slice(2).split('=');
    return [k!, v ?? 'true'];
  }),
) as Record<string, string>;
const sizeMB = Number(flags.size ?? 256);
const seq = Number(flags.seq ?? 2048);
const batch = Number(flags.batch ?? 8);
const rounds = Number(flags.rounds ?? 5);
const warmup = Number(flags.warmup ?? 3);
const json = flags.json === 'true';
const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

const dataDir = join(import.meta.dirname, '.data', `tokens-${sizeMB}mb-${seq}`);
const fixedDir = join(import.meta.dirname, '.data', `tokens-${sizeMB}mb-${seq}-fixed`);

async function generate(dir: string, encoding: string): Promise<void> {
  if (existsSync(join(dir, 'index.json'))) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const samples = Math.ceil((sizeMB * 2 ** 20) / (4 * seq));
  log(`generating ${samples} samples of ${seq} tokens (${encoding}) into ${dir} ...`);
  const writer = new MDSWriter({ out: dir, columns: { tokens: encoding }, existOk: true });
  let x = 12345;
  const row = new Int32Array(seq);
  for (let i = 0; i < samples; i++) {
    for (let j = 0; j < seq; j++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      row[j] = x % 50432;
    }
    await writer.write({ tokens: row });
  }
  await writer.finish();
}

function shardFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.mds')).sort().map((n) => join(dir, n));
}

function rawRead(files: string[]): number {
  const buffer = new Uint8Array(1 << 20);
  let total = 0;
  for (const file of files) {
    const fd = openSync(file, 'r');
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      total += n;
    }
    closeSync(fd);
  }
  return total;
}

/** Wall seconds, and CPU seconds of the whole process (all threads: worker threads count). */
async function timeIt(fn: () => Promise<number> | number): Promise<{ seconds: number; cpu: number; samples: number }> {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const samples = await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6, samples };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function main(): Promise<void> {
  await generate(dataDir, 'ndarray:int32');
  await generate(fixedDir, `ndarray:int32:${seq}`);
  const files = shardFiles(dataDir);
  const fixedFiles = shardFiles(fixedDir);
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const fixedBytes = fixedFiles.reduce((n, f) => n + statSync(f).size, 0);
  const local = dataDir;
  const sequential = await StreamingDataset.create({ local, batchSize: batch });
  const shuffled = await StreamingDataset.create({ local, batchSize: batch, shuffle: true });
  const numSamples = sequential.numSamples;
  const loader = (dir: string, numWorkers: number): TokenBatchLoader =>
    new TokenBatchLoader({ dataset: { local: dir, batchSize: batch }, seqLen: seq, numWorkers });
  const loaders = [loader(local, 0), loader(local, 2), loader(fixedDir, 0), loader(fixedDir, 2)] as const;

  const countIterate = async (ds: StreamingDataset): Promise<number> => {
    let n = 0;
    for await (const _ of ds) n++;
    return n;
  };
  const countBatches = async (l: TokenBatchLoader): Promise<number> => {
    let n = 0;
    for await (const b of l) {
      n += b.batchSize;
      b.release?.();
    }
    return n;
  };
  /** name, what it reads, run (returns samples read). */
  const contenders: [string, 'dynamic' | 'fixed', () => Promise<number> | number][] = [
    ['raw read', 'dynamic', () => (rawRead(files), numSamples)],
    ['dataset', 'dynamic', () => countIterate(sequential)],
    ['dataset, shuffled (py1e)', 'dynamic', () => countIterate(shuffled)],
    ['batches, in process', 'dynamic', () => countBatches(loaders[0])],
    ['batches, 2 workers', 'dynamic', () => countBatches(loaders[1])],
    ['raw read', 'fixed', () => (rawRead(fixedFiles), numSamples)],
    ['batches, in process', 'fixed', () => countBatches(loaders[2])],
    ['batches, 2 workers', 'fixed', () => countBatches(loaders[3])],
  ];
  const key = (name: string, data: string): string => `${data}: ${name}`;
  log(`${(bytes / 2 ** 20).toFixed(0)} MiB in ${files.length} shards (+ ${(fixedBytes / 2 ** 20).toFixed(0)} MiB fixed-shape), ${numSamples} samples; warming the page cache ...`);
  rawRead(files);
  rawRead(fixedFiles);
  const times = new Map<string, number[]>(contenders.map(([name, data]) => [key(name, data), []]));
  const cpuTimes = new Map<string, number[]>(contenders.map(([name, data]) => [key(name, data), []]));
  log(`${warmup} warm-up round(s) (untimed: JIT, worker start-up, buffer pools) ...`);
  for (let r = 0; r < warmup; r++) for (const [, , fn] of contenders) await fn();
  // Each contender is paired with a raw read of the same bytes right next to it (before it in
  // even rounds, after it in odd ones), so load that drifts over seconds on a shared machine
  // hits both; `vs raw` is the median of the paired ratios.
  const rawOf = new Map(contenders.filter(([name]) => name === 'raw read').map(([, data, fn]) => [data, fn]));
  const pairs = new Map<string, number[]>(contenders.map(([name, data]) => [key(name, data), []]));
  const rawTimes = new Map<string, number[]>([['dynamic', []], ['fixed', []]]);
  const cpuPairs = new Map<string, number[]>(contenders.map(([name, data]) => [key(name, data), []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, data, fn] of contenders) {
      const raw = rawOf.get(data)!;
      const before = r % 2 === 0 || name === 'raw read' ? await timeIt(raw) : undefined;
      const { seconds, cpu, samples } = await timeIt(fn);
      const peer = before ?? (await timeIt(raw));
      if (samples !== numSamples) throw new Error(`${name} read ${samples} samples, expected ${numSamples}`);
      times.get(key(name, data))!.push(seconds);
      cpuTimes.get(key(name, data))!.push(cpu);
      pairs.get(key(name, data))!.push(peer.seconds / seconds);
      rawTimes.get(data)!.push(peer.seconds);
      cpuPairs.get(key(name, data))!.push(peer.cpu / cpu);
      log(`round ${r + 1}/${rounds}: ${key(name, data)} ${seconds.toFixed(3)} s (cpu ${cpu.toFixed(3)} s), raw ${peer.seconds.toFixed(3)} s`);
    }
  }
  for (const l of loaders) await l.close();
  const rows = contenders.map(([name, data]) => {
    const s = median(times.get(key(name, data))!);
    const best = Math.min(...times.get(key(name, data))!);
    const rawBest = Math.min(...times.get(key('raw read', data))!, ...rawTimes.get(data)!);
    const cpu = median(cpuTimes.get(key(name, data))!);
    const size = data === 'fixed' ? fixedBytes : bytes;
    return {
      bench: 'data-streaming read',
      case: data === 'fixed' ? `${name} (fixed shape)` : name,
      layout: data === 'fixed' ? `ndarray:int32:${seq}` : 'ndarray:int32',
      mb: Math.round(size / 1e6),
      samples_per_s: Math.round(numSamples / s),
      mb_per_s: Math.round(size / 1e6 / s),
      ratio_to_raw: Number(median(pairs.get(key(name, data))!).toFixed(3)),
      best_mb_per_s: Math.round(size / 1e6 / best),
      best_ratio_to_raw: Number((rawBest / best).toFixed(3)),
      cpu_ms: Math.round(cpu * 1000),
      cpu_ratio_to_raw: Number(median(cpuPairs.get(key(name, data))!).toFixed(3)),
    };
  });
  if (json) {
    for (const row of rows) console.log(JSON.stringify(row));
    return;
  }
  console.log(`data-streaming read throughput: ${rows[0]!.mb} MB, ${numSamples} samples of ${seq} int32 tokens, batches of ${batch}, median of ${rounds} rounds after ${warmup} warm-up (Node ${process.version}, ${cpus().length} CPUs)`);
  console.log([
    'case'.padEnd(34), 'samples/s'.padStart(11), 'MB/s'.padStart(7), 'vs raw'.padStart(8), 'best MB/s'.padStart(10), 'best vs raw'.padStart(12),
    'cpu ms'.padStart(8), 'cpu vs raw'.padStart(11),
  ].join(''));
  for (const row of rows) {
    console.log([
      row.case.padEnd(34), String(row.samples_per_s).padStart(11), String(row.mb_per_s).padStart(7), row.ratio_to_raw.toFixed(2).padStart(8),
      String(row.best_mb_per_s).padStart(10), row.best_ratio_to_raw.toFixed(2).padStart(12), String(row.cpu_ms).padStart(8), row.cpu_ratio_to_raw.toFixed(2).padStart(11),
    ].join(''));
  }
  console.log('samples/s, MB/s: medians. vs raw: median of (raw read time / this time), each round paired with a raw read of the same bytes next to it.');
  console.log('best: fastest round, vs the fastest raw read of the same bytes (least disturbed by other load). cpu: process CPU time (all threads), paired like vs raw.');
}

await main();
