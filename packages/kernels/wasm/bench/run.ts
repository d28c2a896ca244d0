/**
 * This package's `pnpm bench`: the shared runner (tools/bench) over this folder's `*.bench.ts`.
 * `pnpm bench [--json] [--runs=N] [--warmup=N] [name...]`.
 */
import { runBenchmarks } from '@tessera/tool-bench';

export type { Benchmark, BenchContext, BenchRow, Contender } from '@tessera/tool-bench';

await runBenchmarks(new URL('.', import.meta.url), process.argv.slice(2));
