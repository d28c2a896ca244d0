/**
 * Read throughput: `pnpm bench [--size=256] [--seq=2048] [--batch=8] [--json] [--rounds=3]`.
 *
 * Generates (once) a tokenized MDS dataset of `--size` MB (`{ tokens: 'ndarray:int32' }`,
 * `--seq` tokens per sample) in the git-ignored `bench/.data/`, then in the same run measures:
 *
 * - `raw read`: reading every shard file sequentially into a 1 MiB buffer (the peer figure);
 * - `dataset`: `for await` over a local `StreamingDataset`, decoding every sample;
 * - `dataset, shuffled (py1e)`: the same in mosaicml's shuffled order;
 * - `batches, in process` and `batches, 2 workers`: `TokenBatchLoader` producing `Int32Array`
 *   batches of `--batch` x `--seq` (each released after use, so buffers are reused).
 *
 * Each row prints samples/s, MB/s and the ratio to the raw read. The page cache is warmed
 * first, so the figures compare software overhead, not the disk. After one untimed warm-up
 * round, rounds alternate between contenders; the median is reported. With `--json`, one JSON
 * object per row.
 */
import { existsSync, mkdirSync, openSync, readSync, closeSync, readdirSync, rmSync, statSync } from 'node:fs';
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
const rounds = Number(flags.rounds ?? 3);
const json = flags.json === 'true';
const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

const dataDir = join(import.meta.dirname, '.data', `tokens-${sizeMB}mb-${seq}`);

async function generate(): Promise<void> {
  if (existsSync(join(dataDir, 'index.json'))) return;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const samples = Math.ceil((sizeMB * 2 ** 20) / (4 * seq));
  log(`generating ${samples} samples of ${seq} tokens into ${dataDir} ...`);
  const writer = new MDSWriter({ out: dataDir, columns: { tokens: 'ndarray:int32' }, existOk: true });
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

function shardFiles(): string[] {
  return readdirSync(dataDir).filter((n) => n.endsWith('.mds')).sort().map((n) => join(dataDir, n));
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

async function timeIt(fn: () => Promise<number> | number): Promise<{ seconds: number; samples: number }> {
  const start = process.hrtime.bigint();
  const samples = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, samples };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function main(): Promise<void> {
  await generate();
  const files = shardFiles();
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const local = dataDir;
  const sequential = await StreamingDataset.create({ local, batchSize: batch });
  const shuffled = await StreamingDataset.create({ local, batchSize: batch, shuffle: true });
  const numSamples = sequential.numSamples;
  const loaderInProcess = new TokenBatchLoader({ dataset: { local, batchSize: batch }, seqLen: seq });
  const loaderWorkers = new TokenBatchLoader({ dataset: { local, batchSize: batch }, seqLen: seq, numWorkers: 2 });

  const countIterate = async (ds: StreamingDataset): Promise<number> => {
    let n = 0;
    for await (const _ of ds) n++;
    return n;
  };
  const countBatches = async (loader: TokenBatchLoader): Promise<number> => {
    let n = 0;
    for await (const b of loader) {
      n += b.batchSize;
      b.release?.();
    }
    return n;
  };
  const contenders: [string, () => Promise<number> | number][] = [
    ['raw read', () => rawRead(files) / (4 * seq + 6)],
    ['dataset', () => countIterate(sequential)],
    ['dataset, shuffled (py1e)', () => countIterate(shuffled)],
    ['batches, in process', () => countBatches(loaderInProcess)],
    ['batches, 2 workers', () => countBatches(loaderWorkers)],
  ];
  log(`${(bytes / 2 ** 20).toFixed(0)} MiB in ${files.length} shards, ${numSamples} samples; warming the page cache ...`);
  rawRead(files);
  const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  log('warm-up round (untimed: JIT, worker start-up, buffer pools) ...');
  for (const [, fn] of contenders) await fn();
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of contenders) {
      const { seconds, samples } = await timeIt(fn);
      if (name !== 'raw read' && samples !== numSamples) throw new Error(`${name} read ${samples} samples, expected ${numSamples}`);
      times.get(name)!.push(seconds);
      log(`round ${r + 1}/${rounds}: ${name} ${seconds.toFixed(3)} s`);
    }
  }
  await loaderWorkers.close();
  await loaderInProcess.close();
  const rawSeconds = median(times.get('raw read')!);
  const rows = contenders.map(([name]) => {
    const s = median(times.get(name)!);
    return {
      bench: 'data-streaming read',
      case: name,
      mb: Math.round(bytes / 1e6),
      samples_per_s: Math.round(numSamples / s),
      mb_per_s: Math.round(bytes / 1e6 / s),
      ratio_to_raw: Number((rawSeconds / s).toFixed(3)),
    };
  });
  if (json) {
    for (const row of rows) console.log(JSON.stringify(row));
    return;
  }
  console.log(`data-streaming read throughput: ${rows[0]!.mb} MB, ${numSamples} samples of ${seq} int32 tokens, median of ${rounds} rounds (Node ${process.version})`);
  console.log(['case'.padEnd(28), 'samples/s'.padStart(12), 'MB/s'.padStart(8), 'vs raw'.padStart(8)].join(''));
  for (const row of rows) {
    console.log([row.case.padEnd(28), String(row.samples_per_s).padStart(12), String(row.mb_per_s).padStart(8), row.ratio_to_raw.toFixed(2).padStart(8)].join(''));
  }
}

await main();
