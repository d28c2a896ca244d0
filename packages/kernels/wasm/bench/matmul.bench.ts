/**
 * float32 matmul C = A B, A [M, K] and B [K, N] standard normals: GFLOP/s = 2 M N K / seconds per
 * call, the median of at least five calls after warm-up, contenders timed round-robin in one run.
 * Shapes: 256, 512, 1024, 2048 square and [2048x512] @ [512x2048].
 *
 * Ours: the public API on the WASM backend, `matmul(a, b)`, `await c.data()`, `c.dispose()`, with
 * 1 and 2 threads. Peers, in the same rounds:
 *   tfjs-wasm   @tensorflow/tfjs-backend-wasm 4.22 (XNNPACK, SIMD); its multithreaded build is not
 *               used under Node, so 1 thread: the single-threaded target is wasm/1 >= 1.2x tfjs-wasm/1.
 *   reference   @tessera/tensor's reference CPU backend (TypeScript), 1 thread.
 * Each shape also reports wasm/2 against wasm/1 (scaling with the second core). The machine's load
 * average is printed with every row, and before the runs the cores two busy threads of this process
 * actually get (CPU seconds per second): on a shared machine the two-thread figures can only scale
 * as far as that allows.
 *
 * Flags: --sizes=256,1024 (squares) --shapes=2048x512x2048 (MxKxN) --threads=1,2 --peers=reference,tfjs-wasm
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createCpuBackend, matmul, randn, useBackend, type Backend, type Tensor } from '@tessera/tensor';
import { createWasmBackend } from '../src/index.js';
import { matmulContenders, readyTfjsWasm } from '@tessera/tool-bench';
import type { Benchmark, BenchRow } from './run.js';

interface Shape {
  label: string;
  m: number;
  k: number;
  n: number;
}

function parseList(flag: string | undefined, fallback: string[]): string[] {
  return flag ? flag.split(',').map((s) => s.trim()).filter(Boolean) : fallback;
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** CPU seconds per wall second that two busy worker threads get for `ms` milliseconds (2 on two free cores). */
async function parallelCapacity(ms: number): Promise<number> {
  const code = `const end = Date.now() + ${ms}; let x = 0; while (Date.now() < end) for (let i = 0; i < 1e5; i++) x += i;
require('node:worker_threads').parentPort.postMessage(x);`;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all([0, 1].map(() => new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true });
    worker.once('message', resolve);
    worker.once('error', reject);
  })));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / (performance.now() - start);
}

export const matmulBench: Benchmark = {
  name: 'matmul',
  description: 'float32 C = A B through the public API, GFLOP/s (2MNK / median seconds), ratio = wasm / peer',
  async *run(context) {
    const squares = parseList(context.flags.sizes, ['256', '512', '1024', '2048']).map(Number);
    const rects = parseList(context.flags.shapes, ['2048x512x2048']).map((s) => s.split('x').map(Number));
    const threadCounts = parseList(context.flags.threads, ['1', '2']).map(Number);
    const peers = new Set(parseList(context.flags.peers, ['reference', 'tfjs-wasm']));
    const shapes: Shape[] = [
      ...squares.map((n) => ({ label: `${n}^3`, m: n, k: n, n })),
      ...rects.map(([m, k, n]) => ({ label: `[${m}x${k}]@[${k}x${n}]`, m: m!, k: k!, n: n! })),
    ];

    const ours = new Map<number, Backend>();
    for (const threads of threadCounts) ours.set(threads, await createWasmBackend({ threads }));
    const reference = createCpuBackend();
    const capacity = await parallelCapacity(1000);
    context.log(`[matmul] wasm threads ${threadCounts.join(', ')}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; `
      + `two busy threads get ${capacity.toFixed(2)} cores`);

    if (peers.has('tfjs-wasm')) {
      await readyTfjsWasm({ tf, setWasmPaths, setThreadsCount, packageJson: createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json') });
    }

    for (const shape of shapes) {
      const flops = 2 * shape.m * shape.n * shape.k;
      const { contenders, dispose } = matmulContenders<Backend, Tensor, tf.Tensor>({
        shape,
        ours: [...ours].map(([threads, backend]) => [`wasm/${threads}`, backend] as const),
        ...(peers.has('reference') ? { reference } : {}),
        useBackend,
        randn,
        matmul,
        ...(peers.has('tfjs-wasm') ? { tfjs: tf } : {}),
      });

      context.log(`[matmul] ${shape.label}`);
      const seconds = await context.measure(contenders);
      const load = round(loadavg()[0]!);
      const gflops = (key: string): number => flops / seconds[key]! / 1e9;
      for (const threads of threadCounts) {
        const wasm = gflops(`wasm/${threads}`);
        const row = (peer: string, peerThreads: number, peerGflops: number): BenchRow => ({
          bench: 'matmul', shape: shape.label, threads, wasm_gflops: round(wasm), peer, peer_threads: peerThreads,
          peer_gflops: round(peerGflops), ratio: round(wasm / peerGflops, 3), load1: load,
        });
        if (contenders['tfjs-wasm/1']) yield row('tfjs-wasm', 1, gflops('tfjs-wasm/1'));
        if (contenders['reference/1']) yield row('reference', 1, gflops('reference/1'));
        if (threads !== 1 && contenders['wasm/1']) yield row('wasm (scaling)', 1, gflops('wasm/1'));
      }
      dispose();
    }
  },
};
