/**
 * SGEMM/DGEMM beyond the conformance cases: sizes that cross every blocking boundary (KC, MC, the
 * register tile), each transposition and stride layout the packing routines special-case, batched
 * and broadcast operands, on every ISA path this machine runs, with one and two threads. The
 * reference is the reference CPU backend in float64. Results must not depend on the thread count.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertClose, onBackend, toleranceFor } from '@tessera/kernels-conformance';
import {
  cast, createCpuBackend, matmul, randn, reshape, slice, squeeze, tensor, transpose, type DType, type Tensor,
} from '@tessera/tensor';
import { createNativeBackend, nativeStatus, type NativeBackend } from '../src/index.js';

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
  {
    name: 'short and wide with a deep K: several shared B chunks, columns split', shapes: [[3, 4100], [4100, 1000]],
    run: (a, b) => matmul(a, b),
  },
  { name: 'two rows @ B^T (decoding: dot products, columns over several chunks)', shapes: [[2, 301], [700, 301]], run: (a, b) => matmul(a, transpose(b)) },
  { name: 'four rows @ B (decoding: row updates, odd K)', shapes: [[4, 37], [37, 600]], run: (a, b) => matmul(a, b) },
  { name: 'batched single rows @ B^T with a transposed A row', shapes: [[3, 45, 1], [3, 530, 45]], run: (a, b) => matmul(transpose(a, -2, -1), transpose(b, -2, -1)) },
  { name: 'vector @ matrix and a single column', shapes: [[1, 513], [513, 1]], run: (a, b) => matmul(reshape(a, [513]), matmul(b, reshape(a, [1, 513]))) },
];

const status = nativeStatus();

describe.skipIf(!status.available)('native gemm', () => {
  const isas = status.available ? status.isas.filter((i) => i.available).map((i) => i.name) : [];
  const backends = new Map<string, NativeBackend>();
  const reference = createCpuBackend();

  beforeAll(async () => {
    for (const isa of isas) {
      for (const threads of [1, 2]) {
        const backend = await createNativeBackend({ isa, threads, fallback: 'throw' });
        if (!('isa' in backend)) throw new Error('expected the native backend');
        backends.set(`${isa}/${threads}`, backend);
      }
    }
  });

  const values = new Map<string, Float64Array[]>();
  /** Seeded normal inputs of a case, made once. */
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

  /** The case in `compute`, its inputs first rounded to `dtype`. */
  async function run(backend: NativeBackend | ReturnType<typeof createCpuBackend>, c: GemmCase, dtype: DType, compute = dtype): Promise<Float64Array> {
    const host = await hostInputs(c);
    return onBackend(backend, async () => {
      const inputs = c.shapes.map((shape, i) => cast(tensor(host[i]!, shape, dtype), compute));
      const y = c.run(inputs[0]!, inputs[1]!);
      const values = Float64Array.from(await y.data());
      y.dispose();
      for (const t of inputs) t.dispose();
      return values;
    });
  }

  for (const c of cases) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${c.name} [${dtype}] on every path and thread count`, async () => {
        const values = await run(reference, c, dtype, 'float64');
        const want = { values, shape: [values.length], dtype: 'float64' as const };
        for (const isa of isas) {
          const one = await run(backends.get(`${isa}/1`)!, c, dtype);
          const two = await run(backends.get(`${isa}/2`)!, c, dtype);
          assertClose(`${c.name} on ${isa}`, { values: one, shape: want.shape, dtype }, want, toleranceFor(dtype));
          expect(two, `${isa}: two threads give exactly the one-thread result`).toEqual(one);
        }
      });
    }
  }
});
