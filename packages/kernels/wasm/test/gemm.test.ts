/**
 * SGEMM beyond the conformance cases: sizes that cross every blocking boundary (KC, MC, the
 * register tile, the 2048-column tile), each transposition and stride layout the packing routines
 * special-case, batched and broadcast operands, with one and two threads. The reference is the
 * reference CPU backend in float64. Results must not depend on the thread count.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertClose, onBackend, toleranceFor } from '@tessera/kernels-conformance';
import { createCpuBackend, matmul, randn, reshape, slice, squeeze, tensor, transpose, type Backend, type Tensor } from '@tessera/tensor';
import { createWasmBackend, type WasmBackend } from '../src/index.js';
import { chooseTiles } from '../src/kernels/matmul.js';

interface GemmCase {
  name: string;
  shapes: number[][];
  run: (a: Tensor, b: Tensor) => Tensor;
}

const cases: GemmCase[] = [
  { name: '[250,520] @ [520,270] (crosses KC, MC and tile edges)', shapes: [[250, 520], [520, 270]], run: (a, b) => matmul(a, b) },
  { name: 'A^T B (column-major A)', shapes: [[600, 300], [600, 130]], run: (a, b) => matmul(transpose(a), b) },
  { name: 'A B^T (a linear layer)', shapes: [[97, 300], [130, 300]], run: (a, b) => matmul(a, transpose(b)) },
  { name: 'A^T B^T', shapes: [[270, 45], [61, 270]], run: (a, b) => matmul(transpose(a), transpose(b)) },
  {
    name: 'no unit stride in either operand', shapes: [[40, 2, 70, 2], [70, 3, 33]],
    run: (a, b) => matmul(squeeze(slice(slice(a, 1, 0, 1), 3, 1, 2), [1, 3]), squeeze(slice(b, 1, 2, 3), 1)),
  },
  { name: 'batched with a broadcast batch dim', shapes: [[3, 1, 70, 90], [4, 90, 50]], run: (a, b) => matmul(a, b) },
  { name: 'offset slices', shapes: [[320, 200], [210, 75]], run: (a, b) => matmul(slice(a, 0, 5, 305), slice(b, 0, 10)) },
  { name: 'wider than one 2048-column tile', shapes: [[9, 40], [40, 4200]], run: (a, b) => matmul(a, b) },
  { name: 'tall and narrow (rows split between threads)', shapes: [[700, 64], [64, 20]], run: (a, b) => matmul(a, b) },
  { name: 'vector @ matrix and a single column', shapes: [[1, 513], [513, 1]], run: (a, b) => matmul(reshape(a, [513]), matmul(b, reshape(a, [1, 513]))) },
];

describe('wasm sgemm', () => {
  const reference = createCpuBackend();
  let one: WasmBackend;
  let two: WasmBackend;

  beforeAll(async () => {
    one = await createWasmBackend({ threads: 1 });
    two = await createWasmBackend({ threads: 2 });
  });

  const values = new Map<string, Float64Array[]>();
  async function hostInputs(c: GemmCase): Promise<Float64Array[]> {
    if (!values.has(c.name)) {
      values.set(c.name, await onBackend(reference, () => Promise.all(c.shapes.map(async (shape, i) => {
        const t = randn(shape, { seed: 100 + i, dtype: 'float64' });
        const data = Float64Array.from(await t.data());
        t.dispose();
        return data;
      }))));
    }
    return values.get(c.name)!;
  }

  async function run(backend: Backend, c: GemmCase, dtype: 'float32' | 'float64'): Promise<Float64Array> {
    const host = await hostInputs(c);
    return onBackend(backend, async () => {
      const inputs = c.shapes.map((shape, i) => tensor(host[i]!, shape, dtype));
      const y = c.run(inputs[0]!, inputs[1]!);
      const result = Float64Array.from(await y.data());
      y.dispose();
      for (const t of inputs) t.dispose();
      return result;
    });
  }

  for (const c of cases) {
    it(`${c.name} with 1 and 2 threads`, async () => {
      const want = await run(reference, c, 'float64');
      const expected = { values: want, shape: [want.length], dtype: 'float64' as const };
      const a = await run(one, c, 'float32');
      const b = await run(two, c, 'float32');
      assertClose(`${c.name} (1 thread)`, { values: a, shape: expected.shape, dtype: 'float32' }, expected, toleranceFor('float32'));
      expect(b, 'two threads give exactly the one-thread result').toEqual(a);
    });
  }

  it('splits big products between the threads and keeps small ones on the caller', () => {
    expect(chooseTiles(1, 1024, 1024, 1024, 2)).toEqual([512, 512, 2]);
    expect(chooseTiles(1, 2048, 2048, 512, 2)).toEqual([1024, 1024, 2]);
    expect(chooseTiles(1, 700, 20, 64, 2)).toEqual([176, 20, 2]);
    expect(chooseTiles(1, 200, 150, 300, 2)).toEqual([200, 80, 2]);
    expect(chooseTiles(16, 256, 256, 64, 2)).toEqual([256, 256, 2]);
    expect(chooseTiles(1, 32, 32, 32, 2)[2]).toBe(1);
    expect(chooseTiles(1, 1024, 1024, 1024, 1)).toEqual([1024, 1024, 1]);
  });
});
