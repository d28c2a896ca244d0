/**
 * The backend around its kernels: the thread pool never keeps a process alive, a missing or broken
 * addon falls back with one line (or throws when asked), every primitive is implemented, errors
 * match the reference backend, and results do not depend on the thread count.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { onBackend } from '@tessera/kernels-conformance';
import {
  crossEntropy, embedding, InvalidArgumentError, kernelDefs, kernels, layerNorm, logSoftmax, randn, runKernel, softmax, sum, tensor, zeros,
  type Backend,
} from '@tessera/tensor';
import { createNativeBackend, nativeStatus } from '../src/index.js';
import { nativeKernels } from '../src/kernels/index.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const status = nativeStatus();

function runChild(mode: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string; seconds: number } {
  const start = performance.now();
  const result = spawnSync(process.execPath, ['--conditions=@tessera/source', '--import', 'tsx', 'test/fixtures/child.ts', mode], {
    cwd: packageRoot, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, seconds: (performance.now() - start) / 1000 };
}

describe('kernel list', () => {
  it('implements every kernel definition that reaches a backend', () => {
    const registered = new Set(nativeKernels.map((k) => k.def.name));
    const missing = kernelDefs().filter((def) => !def.view && !registered.has(def.name)).map((def) => def.name);
    expect(missing).toEqual([]);
  });
});

describe.skipIf(!status.available)('process lifetime and fallback', () => {
  it('exits on its own after threaded kernels (the pool does not keep it alive)', () => {
    const child = runChild('run');
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/^backend=native value=/);
  });

  it('falls back to the reference backend with a one-line notice when the addon cannot load', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'tessera-native-test-')), 'broken.node');
    writeFileSync(bad, 'not a shared object');
    const child = runChild('twice', { TESSERA_NATIVE_BINARY: bad });
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/^backend=cpu value=/);
    const lines = child.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^@tessera\/kernels-native: native addon unavailable \(.*broken\.node failed to load/);
  });

  it("throws NativeBackendUnavailableError with fallback: 'throw'", () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'tessera-native-test-')), 'broken.node');
    writeFileSync(bad, 'not a shared object');
    const child = runChild('throw', { TESSERA_NATIVE_BINARY: bad });
    expect(child.stdout.trim()).toBe('error=NativeBackendUnavailableError');
  });
});

describe.skipIf(!status.available)('native backend', () => {
  async function both<T>(f: () => Promise<T>): Promise<[T, T]> {
    const one = await createNativeBackend({ threads: 1, fallback: 'throw' });
    const two = await createNativeBackend({ threads: 2, fallback: 'throw' });
    return [await onBackend(one, f), await onBackend(two, f)];
  }

  it('gives bit-identical results with one and two threads', async () => {
    const names = ['sum', 'sum over axis 0', 'sum over axis 1', 'softmax', 'logSoftmax over axis 0', 'layerNorm', 'crossEntropy', 'scatterAdd', 'embedding'];
    const [one, two] = await both(async () => {
      const x = randn([96, 4000], { seed: 3 });
      const w = randn([4000], { seed: 4 });
      const targets = tensor(Int32Array.from({ length: 96 }, (_, i) => (i * 37) % 4000), [96], 'int32');
      const rows = tensor(Int32Array.from({ length: 96 }, (_, i) => (i * 7) % 50), [96], 'int32');
      const outputs = [
        sum(x), sum(x, 0), sum(x, 1), softmax(x, -1), logSoftmax(x, 0), layerNorm(x, w), crossEntropy(x, targets),
        runKernel(kernels.ScatterAdd, [x, rows], { rows: 50 })[0]!, embedding(x, rows),
      ];
      const bytes = await Promise.all(outputs.map(async (t) => Buffer.from((await t.data()).buffer)));
      for (const t of [x, w, targets, rows, ...outputs]) t.dispose();
      return bytes;
    });
    const differing = names.filter((_, i) => !one[i]!.equals(two[i]!));
    expect(differing).toEqual([]);
  });

  it('reports out-of-range ids and targets as the reference backend does', async () => {
    const backend: Backend = await createNativeBackend({ fallback: 'throw' });
    await onBackend(backend, () => {
      const w = randn([4, 3], { seed: 1 });
      expect(() => embedding(w, tensor([1, 4], [2], 'int32'))).toThrow(/embedding: id 4 at flat position 1 is outside \[0, 4\)/);
      expect(() => crossEntropy(randn([2, 5], { seed: 2 }), tensor([0, 7], [2], 'int32')))
        .toThrow(/crossEntropy: target 7 at position 1 is outside \[0, 5\)/);
      try {
        embedding(w, tensor([-1], [1], 'int32'));
      } catch (error) {
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
      }
    });
  });

  it('never shows a reused buffer\'s old contents (lazily zero-filled pool)', async () => {
    const backend = await createNativeBackend({ threads: 2, fallback: 'throw' });
    await onBackend(backend, async () => {
      const n = 4096;
      const dirty = (): void => tensor(new Float32Array(n).fill(7), [n]).dispose(); // back into the pool
      dirty();
      expect(Array.from(await zeros([n]).data()).every((v) => v === 0)).toBe(true);
      dirty();
      // ScatterAdd accumulates into its output: it must start from zeros.
      const grad = runKernel(kernels.ScatterAdd, [tensor(new Float32Array(8).fill(1), [2, 4]), tensor([1, 1], [2], 'int32')], { rows: n / 4 })[0]!;
      const values = await grad.data();
      expect(Array.from(values.slice(0, 8))).toEqual([0, 0, 0, 0, 2, 2, 2, 2]);
      expect(values.slice(8).every((v) => v === 0)).toBe(true);
      dirty();
      // A partial write of a reused buffer leaves zeros after the written part.
      const handle = backend.alloc('float32', n);
      backend.write(handle, new Float32Array([1, 2]));
      const read = await backend.read(handle);
      expect([read[0], read[1], read[2], read[n - 1]]).toEqual([1, 2, 0, 0]);
      backend.dispose(handle);
    });
  });

  it('reads big buffers back exactly (the threaded copy into huge pages)', async () => {
    const backend = await createNativeBackend({ threads: 2, fallback: 'throw' });
    await onBackend(backend, async () => {
      for (const dtype of ['float32', 'float64', 'int32', 'bfloat16'] as const) {
        const n = (5 << 20) / (dtype === 'float64' ? 8 : dtype === 'bfloat16' ? 2 : 4) + 3; // past 4 MB, not a whole page
        const values = Float64Array.from({ length: n }, (_, i) => (i % 200) - 100); // exact in bfloat16 too
        const t = tensor(values, [n], dtype);
        const back = await t.data();
        expect(back.length).toBe(n);
        let mismatches = 0;
        for (let i = 0; i < n; i++) if (back[i] !== values[i]) mismatches++;
        expect(mismatches, dtype).toBe(0);
        t.dispose();
      }
    });
  });

  it('stores every dtype, half formats as 16-bit patterns', async () => {
    const backend = await createNativeBackend({ fallback: 'throw' });
    for (const dtype of ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'bool'] as const) expect(backend.supportsDType(dtype)).toBe(true);
    await onBackend(backend, async () => {
      const h = tensor([1, 0.5, -2], [3], 'float16');
      expect(Array.from(await h.data())).toEqual([1, 0.5, -2]);
      expect(backend.readSync!(h.storage.handle)).toBeInstanceOf(Uint16Array);
    });
  });
});
