/**
 * The non-matmul kernels of an MPT training step at the benchmark config's sizes (batch 8 x
 * sequence 256 = 2048 rows, d_model 256, vocabulary 8192): milliseconds per call through the public
 * API (`op(...)`, `await y.data()`, `y.dispose()`), wasm with one and two threads against the reference CPU
 * backend in the same rounds. ratio = reference ms / wasm ms (the one-thread wasm speed-up);
 * scaling = wasm 1-thread ms / wasm 2-thread ms (rows and large contiguous maps are split between threads).
 */
import { loadavg } from 'node:os';
import * as tensorApi from '@tessera/tensor';
import { createCpuBackend, useBackend, type Backend, type Tensor } from '@tessera/tensor';
import { mptOpCases, roundTo as round, timeOps } from '@tessera/tool-bench';
import { createWasmBackend } from '../src/index.js';
import type { Benchmark } from './run.js';

const cases = mptOpCases<Tensor>(tensorApi);

export const opsBench: Benchmark = {
  name: 'ops',
  description: 'non-matmul kernels at the MPT benchmark sizes, ms per call; ratio = reference / wasm',
  async *run(context) {
    const wasm = await createWasmBackend({ threads: 1 });
    const wasm2 = await createWasmBackend({ threads: 2 });
    const backends: Record<string, Backend> = { reference: createCpuBackend(), wasm, wasm2 };
    for await (const { case: c, seconds } of timeOps(context, cases, backends, useBackend)) {
      const ours = seconds.wasm! * 1e3;
      const ref = seconds.reference! * 1e3;
      const two = seconds.wasm2! * 1e3;
      yield {
        bench: 'ops', op: c.name, shape: c.shape, wasm_ms: round(ours), wasm2_ms: round(two), reference_ms: round(ref), ratio: round(ref / ours, 1),
        scaling: round(ours / two, 2), load1: round(loadavg()[0]!),
      };
    }
  },
};
