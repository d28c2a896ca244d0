/**
 * The backend around its kernels: worker threads never keep the process alive, a platform without
 * shared memory runs on one thread after one notice, every kernel definition is implemented,
 * buffers are reused and survive memory growth, the fused kernels agree with the reference on
 * large rows, errors match the reference backend, and results do not depend on the thread count.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertClose, onBackend, toleranceFor } from '@tessera/kernels-conformance';
import {
  add, createCpuBackend, crossEntropy, embedding, gelu, kernelDefs, kernels, layerNorm, logSoftmax, matmul, mul, ones, randn, runKernel, softmax,
  scope, sum, tensor, transpose, zeros, type Backend, type Tensor,
} from '@tessera/tensor';
import { createWasmBackend, wasmKernelNames, type WasmBackend } from '../src/index.js';
import { wasmKernels } from '../src/kernels/index.js';
import { sizeClass } from '../src/linear-memory.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function runChild(mode: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--conditions=@tessera/source', '--import', 'tsx', 'test/fixtures/child.ts', mode], {
    cwd: packageRoot, encoding: 'utf8', timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function valueOf(stdout: string): number {
  return Number(/value=(\S+)/.exec(stdout)?.[1]);
}

describe('kernel list', () => {
  it('implements every kernel definition that reaches a backend', () => {
    const registered = new Set(wasmKernels.map((k) => k.def.name));
    const missing = kernelDefs().filter((def) => !def.view && !registered.has(def.name)).map((def) => def.name);
    expect(missing).toEqual([]);
  });

  it('runs the hot set in WASM', () => {
    for (const name of ['Matmul', 'Add', 'Mul', 'Exp', 'Sum', 'Max', 'Softmax', 'LogSoftmax', 'LayerNorm', 'Gelu', 'CrossEntropy', 'Gather', 'ScatterAdd']) {
      expect(wasmKernelNames).toContain(name);
    }
  });
});

describe('process lifetime and platforms', () => {
  it('exits on its own after threaded kernels (workers do not keep it alive)', () => {
    const child = runChild('run');
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/^backend=wasm threads=2 shared=true value=/);
    expect(Math.abs(valueOf(child.stdout) - 90300)).toBeLessThan(0.1); // 300 softmax rows summing to 1, plus 300 x 300 ones
  });

  it('runs on one thread with a one-line notice where SharedArrayBuffer is missing', () => {
    const child = runChild('no-sab');
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/^backend=wasm threads=1 shared=false value=/);
    expect(Math.abs(valueOf(child.stdout) - 90300)).toBeLessThan(0.1);
    const lines = child.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^@tessera\/kernels-wasm: SharedArrayBuffer is unavailable .*running on 1 thread$/);
  });
});

describe('linear memory', () => {
  it('rounds sizes to classes wasting at most 12.5%', () => {
    for (const bytes of [1, 63, 64, 65, 4096, 4097, 5000, 1e6, 123_456_789]) {
      const c = sizeClass(bytes);
      expect(c).toBeGreaterThanOrEqual(bytes);
      expect(c % 64).toBe(0);
      if (bytes > 4096) expect(c / bytes).toBeLessThanOrEqual(1.125);
    }
  });

  it('reuses disposed buffers: a repeated step does not grow the heap', async () => {
    const backend = await createWasmBackend({ threads: 1 });
    await onBackend(backend, async () => {
      const w = randn([64, 64], { seed: 1 });
      const step = async (): Promise<void> => {
        const y = scope(() => sum(softmax(matmul(randn([32, 64], { seed: 2 }), w), -1)));
        await y.data();
        y.dispose();
      };
      await step();
      await step();
      const heap = backend.heap.heapBytes;
      const live = backend.memory().liveBuffers;
      for (let i = 0; i < 5; i++) await step();
      expect(backend.heap.heapBytes).toBe(heap);
      expect(backend.memory().liveBuffers).toBe(live);
    });
  });

  it('hands out reused blocks as zeros unless a kernel that writes every element claims them', async () => {
    const backend = await createWasmBackend({ threads: 1 });
    await onBackend(backend, async () => {
      const n = 5000;
      const stale = (): void => {
        const junk = tensor(new Float32Array(n).fill(7), [n]); // leaves 7s in a block of this size class
        junk.dispose();
      };
      stale();
      expect(Array.from(await zeros([n]).data()).every((v) => v === 0)).toBe(true);
      stale();
      const ids = tensor(Int32Array.from({ length: 8 }, (_, i) => i % 3), [8], 'int32');
      const [scattered] = runKernel(kernels.ScatterAdd, [ones([8, n / 5]), ids], { rows: 5 }); // accumulates into its output
      expect(Array.from((await scattered!.data()).slice(0, 3))).toEqual([3, 3, 3]);
      expect(Array.from((await scattered!.data()).slice(3 * (n / 5)))).toEqual(new Array(2 * (n / 5)).fill(0));
      stale();
      const x = randn([n], { seed: 9 });
      stale();
      const y = mul(x, x); // claimed: every element written
      const xs = await x.data();
      const ys = await y.data();
      expect(Array.from(ys)).toEqual(Array.from(xs, (v) => Math.fround(v * v)));
    });
  });

  it('keeps every buffer intact when memory grows (views are re-created)', async () => {
    const backend = await createWasmBackend({ threads: 2, initialMemoryBytes: 65536 });
    await onBackend(backend, async () => {
      const small = tensor(Float32Array.from({ length: 1000 }, (_, i) => i), [1000]);
      const before = backend.heap.memory.buffer.byteLength;
      const big = randn([1024, 1024], { seed: 3 }); // 4 MiB: memory must grow
      expect(backend.heap.memory.buffer.byteLength).toBeGreaterThan(before);
      expect(Array.from((await small.data()).slice(995))).toEqual([995, 996, 997, 998, 999]);
      const y = add(small, 1);
      expect((await y.data())[999]).toBe(1000);
      const product = matmul(big, transpose(big));
      expect((await product.data()).length).toBe(1024 * 1024);
    });
  });
});

describe('wasm kernels against the reference on large rows', () => {
  const reference = createCpuBackend();
  let one: WasmBackend;
  let two: WasmBackend;
  beforeAll(async () => {
    one = await createWasmBackend({ threads: 1 });
    two = await createWasmBackend({ threads: 2 });
  });

  function outputs(): Tensor[] {
    const x = randn([96, 3001], { seed: 3 });
    const w = randn([3001], { seed: 4 });
    const bias = randn([3001], { seed: 6 });
    const targets = tensor(Int32Array.from({ length: 96 }, (_, i) => (i * 37) % 3001), [96], 'int32');
    const rows = tensor(Int32Array.from({ length: 96 }, (_, i) => (i * 7) % 50), [96], 'int32');
    const scaled = mul(x, 4);
    return [
      sum(x), sum(x, 0), sum(x, 1), softmax(scaled, -1), logSoftmax(scaled, -1), layerNorm(x, w, bias), crossEntropy(scaled, targets),
      runKernel(kernels.ScatterAdd, [x, rows], { rows: 50 })[0]!, embedding(x, rows), gelu(x), gelu(x, 'tanh'),
      runKernel(kernels.LogSumExp, [scaled], { axes: [1] })[0]!, add(x, transpose(randn([1, 96], { seed: 5 }))), mul(x, scaled),
    ];
  }

  async function values(backend: Backend): Promise<Float32Array[]> {
    return onBackend(backend, async () => {
      const ys = outputs();
      return Promise.all(ys.map(async (y) => Float32Array.from(await y.data())));
    });
  }

  it('agree within the float32 tolerance and do not depend on the thread count', async () => {
    const want = await values(reference);
    const a = await values(one);
    const b = await values(two);
    for (let i = 0; i < want.length; i++) {
      const expected = { values: Float64Array.from(want[i]!), shape: [want[i]!.length], dtype: 'float64' as const };
      assertClose(`output ${i}`, { values: Float64Array.from(a[i]!), shape: expected.shape, dtype: 'float32' }, expected, toleranceFor('float32'));
      expect(Buffer.from(b[i]!.buffer).equals(Buffer.from(a[i]!.buffer)), `output ${i}: threads`).toBe(true);
    }
  });

  it('reports out-of-range ids and targets as the reference backend does', async () => {
    await onBackend(one, () => {
      const w = randn([4, 3], { seed: 1 });
      expect(() => embedding(w, tensor([1, 4], [2], 'int32'))).toThrow(/embedding: id 4 at flat position 1 is outside \[0, 4\)/);
      expect(() => runKernel(kernels.ScatterAdd, [w, tensor([0, 1, 2, -1], [4], 'int32')], { rows: 4 }))
        .toThrow(/embedding gradient: id -1 at flat position 3 is outside \[0, 4\)/);
      expect(() => crossEntropy(randn([2, 5], { seed: 2 }), tensor([0, 7], [2], 'int32')))
        .toThrow(/crossEntropy: target 7 at position 1 is outside \[0, 5\)/);
    });
    await onBackend(two, () => {
      // Many chunks (split between the threads): the first bad row is named, whichever chunk holds it.
      const targets = Int32Array.from({ length: 96 }, (_, i) => i % 7);
      targets[50] = 3001;
      targets[90] = -5;
      expect(() => crossEntropy(randn([96, 3001], { seed: 2 }), tensor(targets, [96], 'int32')))
        .toThrow(/crossEntropy: target 3001 at position 50 is outside \[0, 3001\)/);
    });
  });
});
