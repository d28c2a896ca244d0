/**
 * Square float32 matmul, C = A B with A, B [n, n] from a normal distribution:
 * GFLOP/s = 2 n^3 / seconds per call, median of several calls after warm-up.
 *
 * Ours: the public API on the reference CPU backend (plain TypeScript gemm, one thread):
 * `matmul(a, b)`, then `await c.data()` and `c.dispose()`.
 * Peers, timed the same way (`tf.matMul`, `await c.data()`, `c.dispose()`) and round-robin
 * with ours in the same run:
 *   tfjs-cpu   @tensorflow/tfjs-backend-cpu, plain JS, one thread
 *   tfjs-wasm  @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD when the runtime has it). Its
 *              multithreaded build is never chosen under Node (tfjs issue 3830); we also ask
 *              for 1 thread and report the count the backend says it uses.
 *
 * Flags: --sizes=256,512,1024.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs's documented way to make its 'cpu' backend available: importing the package registers it.
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { getBackend, matmul, randn } from '@tessera/tensor';
import type { Benchmark, BenchRow } from './run.js';

const DEFAULT_SIZES = [256, 512, 1024];

/** Selects and initialises a tfjs backend; returns its thread count. */
async function useTfjs(name: 'cpu' | 'wasm'): Promise<number> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
  return name === 'wasm' ? getThreadsCount() : 1;
}

export const matmulBench: Benchmark = {
  name: 'matmul',
  description: 'square float32 C = A B, GFLOP/s (2 n^3 / median seconds), ratio = ours / peer',
  async *run(context) {
    const sizes = context.flags.sizes?.split(',').map(Number) ?? DEFAULT_SIZES;
    if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes expects positive integers, got '${context.flags.sizes}'`);

    // tfjs: production mode silences its "install tfjs-node" banner and debug checks.
    tf.env().set('PROD', true);
    const wasmDist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    // A plain path prefix (or a file:// URL) to the folder holding the .wasm binaries.
    setWasmPaths(`${wasmDist}/`);
    setThreadsCount(1);
    const wasmThreads = await useTfjs('wasm');
    const wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    context.log(`[matmul] tfjs ${tf.version_core}, wasm threads ${wasmThreads}, SIMD ${String(wasmSimd)}; ours on backend '${getBackend().name}'`);

    for (const n of sizes) {
      const a = randn([n, n], { seed: 1 });
      const b = randn([n, n], { seed: 2 });
      await useTfjs('cpu');
      const cpuA = tf.randomNormal([n, n], 0, 1, 'float32', 1);
      const cpuB = tf.randomNormal([n, n], 0, 1, 'float32', 2);
      await useTfjs('wasm');
      const wasmA = tf.randomNormal([n, n], 0, 1, 'float32', 1);
      const wasmB = tf.randomNormal([n, n], 0, 1, 'float32', 2);
      const tfjsMatmul = (x: tf.Tensor, y: tf.Tensor) => async () => {
        const c = tf.matMul(x, y);
        await c.data();
        c.dispose();
      };

      context.log(`[matmul] n=${n}`);
      const seconds = await context.measure({
        ours: {
          run: async () => {
            const c = matmul(a, b);
            await c.data();
            c.dispose();
          },
        },
        'tfjs-cpu': { prepare: () => useTfjs('cpu'), run: tfjsMatmul(cpuA, cpuB) },
        'tfjs-wasm': { prepare: () => useTfjs('wasm'), run: tfjsMatmul(wasmA, wasmB) },
      });

      const gflops = (s: number): number => (2 * n ** 3) / s / 1e9;
      const ours = gflops(seconds.ours);
      const peers: [string, number, number][] = [['tfjs-cpu', gflops(seconds['tfjs-cpu']), 1], ['tfjs-wasm', gflops(seconds['tfjs-wasm']), wasmThreads]];
      for (const [peer, peerGflops, peerThreads] of peers) {
        const row: BenchRow = {
          bench: 'matmul',
          size: n,
          backend: 'reference-cpu',
          ours_gflops: round(ours),
          peer,
          peer_threads: peerThreads,
          peer_gflops: round(peerGflops),
          ratio: round(ours / peerGflops, 3),
        };
        yield row;
      }

      a.dispose();
      b.dispose();
      tf.dispose([cpuA, cpuB, wasmA, wasmB]);
    }
  },
};

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
