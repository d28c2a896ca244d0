/**
 * float32 matmul C = A B, A [M, K] and B [K, N] standard normals: GFLOP/s = 2 M N K / seconds per
 * call, the median of at least five calls after warm-up, contenders timed round-robin in one run.
 * Shapes: 256, 512, 1024, 2048 square and [2048x512] @ [512x2048].
 *
 * Ours: the public API on the native backend, `matmul(a, b)`, `await c.data()`, `c.dispose()`, with
 * 1 and 2 threads. Peers, in the same rounds:
 *   numpy       /usr/bin/python3 with numpy, 1 and 2 threads (OMP_NUM_THREADS/OPENBLAS_NUM_THREADS;
 *               OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that process only). The near-native
 *               anchor when Debian's libopenblas0-openmp is installed; the row names the BLAS library
 *               numpy loaded, and says "absent" when python3 or numpy is missing. It times its own
 *               call (no round trip counted).
 *   reference   @tessera/tensor's reference CPU backend (TypeScript), 1 thread.
 *   tfjs-wasm   @tensorflow/tfjs-backend-wasm 4.22 (XNNPACK, SIMD); its multithreaded build is not
 *               used under Node, so 1 thread.
 * The machine's load average is printed with every row: the cores may be shared.
 *
 * Flags: --sizes=256,1024 (squares) --shapes=2048x512x2048 (MxKxN) --threads=1,2 --peers=numpy,reference,tfjs-wasm
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createCpuBackend, matmul, randn, useBackend, type Backend, type Tensor } from '@tessera/tensor';
import { createNativeBackend, nativeStatus } from '../src/index.js';
import { matmulContenders, readyTfjsWasm } from '@tessera/tool-bench';
import type { Benchmark, BenchRow } from './run.js';

const PYTHON = '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));

interface Shape {
  label: string;
  m: number;
  k: number;
  n: number;
}

/** A persistent python process answering "M K N" with the seconds of one numpy matmul. */
class NumpyPeer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: Interface;
  readonly #pending: ((line: string) => void)[] = [];

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    this.#lines = createInterface({ input: child.stdout });
    this.#lines.on('line', (line) => this.#pending.shift()?.(line));
  }

  static async start(threads: number): Promise<{ peer: NumpyPeer; blas: string; version: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const peer = new NumpyPeer(spawn(PYTHON, [join(here, 'numpy-peer.py')], { env }));
    const hello = JSON.parse(await peer.#next()) as { numpy: string; blas: string };
    return { peer, blas: hello.blas, version: hello.numpy };
  }

  #next(): Promise<string> {
    return new Promise((resolve) => this.#pending.push(resolve));
  }

  async time(shape: Shape): Promise<number> {
    const answer = this.#next();
    this.#child.stdin.write(`${shape.m} ${shape.k} ${shape.n}\n`);
    return Number(await answer);
  }

  close(): void {
    this.#child.stdin.end();
    this.#lines.close();
  }
}

/** Why numpy cannot be the anchor here, or undefined when it can run. */
function numpyAbsence(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} absent`;
  const probe = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'numpy absent (apt-get install python3-numpy libopenblas0-openmp)';
}

function parseList(flag: string | undefined, fallback: string[]): string[] {
  return flag ? flag.split(',').map((s) => s.trim()).filter(Boolean) : fallback;
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export const matmulBench: Benchmark = {
  name: 'matmul',
  description: 'float32 C = A B through the public API, GFLOP/s (2MNK / median seconds), ratio = native / peer',
  async *run(context) {
    const status = nativeStatus();
    if (!status.available) throw new Error(`the native addon is unavailable: ${status.reason}`);
    const squares = parseList(context.flags.sizes, ['256', '512', '1024', '2048']).map(Number);
    const rects = parseList(context.flags.shapes, ['2048x512x2048']).map((s) => s.split('x').map(Number));
    const threadCounts = parseList(context.flags.threads, ['1', '2']).map(Number);
    const peers = new Set(parseList(context.flags.peers, ['numpy', 'reference', 'tfjs-wasm']));
    const shapes: Shape[] = [
      ...squares.map((n) => ({ label: `${n}^3`, m: n, k: n, n })),
      ...rects.map(([m, k, n]) => ({ label: `[${m}x${k}]@[${k}x${n}]`, m: m!, k: k!, n: n! })),
    ];

    const natives = new Map<number, Backend>();
    for (const threads of threadCounts) natives.set(threads, await createNativeBackend({ threads, fallback: 'throw' }));
    const isa = status.isas.find((i) => i.available)?.name ?? '?';
    const reference = createCpuBackend();

    const numpyMissing = peers.has('numpy') ? numpyAbsence() : 'not requested';
    const numpy = new Map<number, NumpyPeer>();
    let numpyLabel = 'numpy';
    if (!numpyMissing) {
      for (const threads of threadCounts) {
        const started = await NumpyPeer.start(threads);
        numpy.set(threads, started.peer);
        numpyLabel = `numpy ${started.version} (${started.blas.split('/').slice(-2).join('/')})`;
      }
    }
    context.log(`[matmul] native ISA ${isa}; numpy: ${numpyMissing ?? numpyLabel}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    if (peers.has('tfjs-wasm')) {
      await readyTfjsWasm({ tf, setWasmPaths, setThreadsCount, packageJson: createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json') });
    }

    try {
      for (const shape of shapes) {
        const flops = 2 * shape.m * shape.n * shape.k;
        const { contenders, dispose } = matmulContenders<Backend, Tensor, tf.Tensor>({
          shape,
          ours: [...natives].map(([threads, backend]) => [`native/${threads}`, backend] as const),
          ...(peers.has('reference') ? { reference } : {}),
          useBackend,
          randn,
          matmul,
          ...(peers.has('tfjs-wasm') ? { tfjs: tf } : {}),
        });
        for (const [threads, peer] of numpy) contenders[`numpy/${threads}`] = { selfTimed: true, run: () => peer.time(shape) };

        context.log(`[matmul] ${shape.label}`);
        const seconds = await context.measure(contenders);
        const load = round(loadavg()[0]!);
        const gflops = (key: string): number => flops / seconds[key]! / 1e9;

        for (const threads of threadCounts) {
          const native = gflops(`native/${threads}`);
          const row = (peer: string, peerThreads: number, peerGflops: number | undefined, note = ''): BenchRow => ({
            bench: 'matmul',
            shape: shape.label,
            threads,
            native_gflops: round(native),
            peer: note ? `${peer} (${note})` : peer,
            peer_threads: peerThreads,
            peer_gflops: peerGflops === undefined ? 'absent' : round(peerGflops),
            ratio: peerGflops === undefined ? 'n/a' : round(native / peerGflops, 3),
            load1: load,
          });
          if (numpy.has(threads)) yield row(numpyLabel, threads, gflops(`numpy/${threads}`));
          else if (peers.has('numpy')) yield row('numpy', threads, undefined, numpyMissing ?? 'absent');
          if (contenders['reference/1']) yield row('reference', 1, gflops('reference/1'));
          if (contenders['tfjs-wasm/1']) yield row('tfjs-wasm', 1, gflops('tfjs-wasm/1'));
        }
        dispose();
      }
    } finally {
      for (const peer of numpy.values()) peer.close();
    }
  },
};
