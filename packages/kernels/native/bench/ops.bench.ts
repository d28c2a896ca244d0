/**
 * The non-matmul kernels of an MPT training step at the benchmark config's sizes (batch 8 x
 * sequence 256 = 2048 rows, d_model 256, vocabulary 8192): milliseconds per call through the public
 * API (`op(...)`, `await y.data()`, `y.dispose()`), native with 1 and 2 threads against the reference
 * CPU backend in the same rounds. ratio = reference ms / native ms (the native speed-up).
 *
 * Flags: --threads=1,2
 */
import { loadavg } from 'node:os';
import * as tensorApi from '@tessera/tensor';
import { createCpuBackend, useBackend, type Backend, type Tensor } from '@tessera/tensor';
import { mptOpCases, roundTo as round, timeOps } from '@tessera/tool-bench';
import { createNativeBackend } from '../src/index.js';
import type { Benchmark } from './run.js';

const cases = mptOpCases<Tensor>(tensorApi);

export const opsBench: Benchmark = {
  name: 'ops',
  description: 'non-matmul kernels at the MPT benchmark sizes, ms per call; ratio = reference / native',
  async *run(context) {
    const threadCounts = (context.flags.threads ?? '1,2').split(',').map(Number);
    const backends: Record<string, Backend> = { reference: createCpuBackend() };
    for (const threads of threadCounts) backends[`native/${threads}`] = await createNativeBackend({ threads, fallback: 'throw' });
    for await (const { case: c, seconds } of timeOps(context, cases, backends, useBackend)) {
      for (const threads of threadCounts) {
        const native = seconds[`native/${threads}`]! * 1e3;
        const ref = seconds.reference! * 1e3;
        yield {
          bench: 'ops', op: c.name, shape: c.shape, threads, native_ms: round(native), reference_ms: round(ref), ratio: round(ref / native, 1),
          load1: round(loadavg()[0]!),
        };
      }
    }
  },
};
