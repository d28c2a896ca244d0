/**
 * The non-matmul kernels of an MPT training step at the benchmark config's sizes (batch 8 x
 * sequence 256 = 2048 rows, d_model 256, vocabulary 8192): milliseconds per call through the public
 * API (`op(...)`, `await y.data()`, `y.dispose()`), wasm with one and two threads against the reference CPU
 * backend in the same rounds. ratio = reference ms / wasm ms (the one-thread wasm speed-up);
 * scaling = wasm 1-thread ms / wasm 2-thread ms (rows and large contiguous maps are split between threads).
 */
import { loadavg } from 'node:os';
import {
  createCpuBackend, crossEntropy, gelu, layerNorm, logSoftmax, randn, softmax, sum, tensor, useBackend, type Backend, type Tensor,
} from '@tessera/tensor';
import { createWasmBackend } from '../src/index.js';
import type { Benchmark, Contender } from './run.js';

interface OpCase {
  name: string;
  shape: string;
  make: () => Tensor[];
  run: (...xs: Tensor[]) => Tensor;
}

const rows = 2048;
const d = 256;
const vocab = 8192;

const cases: OpCase[] = [
  { name: 'layerNorm', shape: `[${rows},${d}]`, make: () => [randn([rows, d], { seed: 1 }), randn([d], { seed: 2 })], run: (x, w) => layerNorm(x, w) },
  { name: 'gelu (tanh)', shape: `[${rows},${4 * d}]`, make: () => [randn([rows, 4 * d], { seed: 3 })], run: (x) => gelu(x, 'tanh') },
  { name: 'softmax', shape: `[${rows},${vocab}]`, make: () => [randn([rows, vocab], { seed: 4 })], run: (x) => softmax(x, -1) },
  { name: 'logSoftmax', shape: `[${rows},${vocab}]`, make: () => [randn([rows, vocab], { seed: 5 })], run: (x) => logSoftmax(x, -1) },
  {
    name: 'crossEntropy', shape: `[${rows},${vocab}]`,
    make: () => [randn([rows, vocab], { seed: 6 }), tensor(Int32Array.from({ length: rows }, (_, i) => (i * 7919) % vocab), [rows], 'int32')],
    run: (x, t) => crossEntropy(x, t),
  },
  { name: 'sum over rows (bias grad)', shape: `[${rows},${4 * d}]`, make: () => [randn([rows, 4 * d], { seed: 7 })], run: (x) => sum(x, 0) },
];

export const opsBench: Benchmark = {
  name: 'ops',
  description: 'non-matmul kernels at the MPT benchmark sizes, ms per call; ratio = reference / wasm',
  async *run(context) {
    const wasm = await createWasmBackend({ threads: 1 });
    const wasm2 = await createWasmBackend({ threads: 2 });
    const reference = createCpuBackend();
    for (const c of cases) {
      const owned: Tensor[] = [];
      const contender = (backend: Backend): Contender => {
        useBackend(backend);
        const inputs = c.make();
        owned.push(...inputs);
        return {
          prepare: () => useBackend(backend),
          run: async () => {
            const y = c.run(...inputs);
            await y.data();
            y.dispose();
          },
        };
      };
      const contenders: Record<string, Contender> = { reference: contender(reference), wasm: contender(wasm), wasm2: contender(wasm2) };
      context.log(`[ops] ${c.name}`);
      const seconds = await context.measure(contenders);
      const ours = seconds.wasm! * 1e3;
      const ref = seconds.reference! * 1e3;
      const two = seconds.wasm2! * 1e3;
      yield {
        bench: 'ops', op: c.name, shape: c.shape, wasm_ms: round(ours), wasm2_ms: round(two), reference_ms: round(ref), ratio: round(ref / ours, 1),
        scaling: round(ours / two, 2), load1: round(loadavg()[0]!),
      };
      for (const t of owned) t.dispose();
    }
  },
};

function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
