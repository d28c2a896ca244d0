/**
 * Half storage in Matmul: float16/bfloat16 operands (either or both, the other float32) go to the
 * native gemm as stored (the registration says `half: true`), are converted while packing,
 * accumulated in float32 and rounded once. The reference is the path the engine takes for a
 * backend without that flag: cast the operands up to float32, multiply, cast the result down. The
 * two must agree bit for bit (decoding against a transposed half weight: within float32 rounding),
 * on every ISA path this machine runs, with one and two threads, for the layouts the packing and
 * the decode path special-case.
 */
import { describe, expect, it } from 'vitest';
import { onBackend } from '@tessera/kernels-conformance';
import {
  abs, cast, embedding, findKernel, kernels as K, matmul, registerKernel, reshape, slice, squeeze, sum, tensor, transpose, valueAndGrad, type DType, type Tensor,
} from '@tessera/tensor';
import { createNativeBackend, nativeStatus, type NativeBackend } from '../src/index.js';

type Half = 'float16' | 'bfloat16';

interface HalfCase {
  name: string;
  shapes: [number[], number[]];
  dtypes: [DType, DType];
  run: (a: Tensor, b: Tensor) => Tensor;
  /**
   * Decoding against a transposed half weight takes dot products (as float32 does for a transposed
   * float32 weight), while the cast-up copy is contiguous and takes row updates: the float32 sums
   * may differ in their last bits, so the rounded results may differ by the float32 rounding.
   */
  dotProducts?: true;
}

const cases: HalfCase[] = [
  { name: 'bf16 @ bf16, K crosses KC, tile edges', shapes: [[37, 300], [300, 70]], dtypes: ['bfloat16', 'bfloat16'], run: (a, b) => matmul(a, b) },
  { name: 'f16 linear A B^T', shapes: [[20, 129], [65, 129]], dtypes: ['float16', 'float16'], run: (a, b) => matmul(a, transpose(b)) },
  { name: 'bf16 A^T @ f32 B', shapes: [[50, 33], [50, 40]], dtypes: ['bfloat16', 'float32'], run: (a, b) => matmul(transpose(a), b) },
  { name: 'f32 A @ bf16 B^T (a bf16 linear weight)', shapes: [[9, 64], [100, 64]], dtypes: ['float32', 'bfloat16'], run: (a, b) => matmul(a, transpose(b)) },
  { name: 'f16 @ bf16 (output float16)', shapes: [[12, 40], [40, 17]], dtypes: ['float16', 'bfloat16'], run: (a, b) => matmul(a, b) },
  { name: 'batched, broadcast batch dim', shapes: [[3, 1, 10, 20], [4, 20, 15]], dtypes: ['bfloat16', 'bfloat16'], run: (a, b) => matmul(a, b) },
  {
    name: 'no unit stride in either operand', shapes: [[40, 2, 30, 2], [30, 3, 33]], dtypes: ['bfloat16', 'float16'],
    run: (a, b) => matmul(squeeze(slice(slice(a, 1, 0, 1), 3, 1, 2), [1, 3]), squeeze(slice(b, 1, 2, 3), 1)),
  },
  { name: 'shared B panels, threads split rows (2 threads)', shapes: [[130, 520], [300, 520]], dtypes: ['bfloat16', 'bfloat16'], run: (a, b) => matmul(a, transpose(b)) },
  { name: 'decode: one row @ bf16 B^T over several column chunks', shapes: [[1, 300], [600, 300]], dtypes: ['bfloat16', 'bfloat16'], run: (a, b) => matmul(a, transpose(b)), dotProducts: true },
  { name: 'decode: f32 rows @ bf16 B^T', shapes: [[2, 50], [300, 50]], dtypes: ['float32', 'bfloat16'], run: (a, b) => matmul(a, transpose(b)), dotProducts: true },
  { name: 'decode: f16 rows @ f16 B^T, K over the buffer width', shapes: [[4, 3000], [40, 3000]], dtypes: ['float16', 'float16'], run: (a, b) => matmul(a, transpose(b)), dotProducts: true },
  { name: 'decode: f16 rows @ f32 B^T (dot products)', shapes: [[3, 40], [520, 40]], dtypes: ['float16', 'float32'], run: (a, b) => matmul(a, transpose(b)) },
  { name: 'decode: batched transposed f16 rows @ f16 B', shapes: [[3, 45, 1], [3, 45, 70]], dtypes: ['float16', 'float16'], run: (a, b) => matmul(transpose(a, -2, -1), b) },
  { name: 'empty inner dimension', shapes: [[5, 0], [0, 6]], dtypes: ['bfloat16', 'bfloat16'], run: (a, b) => matmul(a, b) },
];

/** Seeded values in (-1, 1), every seventh scaled by 30: mixed magnitudes exercise the rounding. */
function seededValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = (state / 2 ** 31 - 1) * (i % 7 === 0 ? 30 : 1);
  }
  return values;
}

function operand(shape: number[], dtype: DType, seed: number): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const values = seededValues(size, seed);
  return cast(tensor(values, shape), dtype);
}

const outputDType = (a: DType, b: DType): Half => (a === 'float32' ? b : a) as Half;

const status = nativeStatus();
const usable = status.available ? status.isas.filter((i) => i.available) : [];

async function backendFor(isa: string, threads: number): Promise<NativeBackend> {
  const previous = process.env.TESSERA_NATIVE_ISA;
  process.env.TESSERA_NATIVE_ISA = isa;
  try {
    const backend = await createNativeBackend({ threads, fallback: 'throw' });
    if (!('isa' in backend) || backend.isa !== isa) throw new Error(`TESSERA_NATIVE_ISA=${isa} did not select that path`);
    return backend;
  } finally {
    if (previous === undefined) delete process.env.TESSERA_NATIVE_ISA;
    else process.env.TESSERA_NATIVE_ISA = previous;
  }
}

describe.runIf(status.available)('native Matmul with half storage', () => {
  it('registers Matmul as handling half storage: the kernel sees the operands as stored', async () => {
    const backend = await backendFor(usable[0]!.name, 1);
    await onBackend(backend, async () => {
      const registration = findKernel(K.Matmul, backend)!;
      expect(registration.half).toBe(true);
      const seen: string[][] = [];
      registerKernel('native', { ...registration, run: (context) => {
        seen.push([...context.inputs, ...context.outputs].map((t) => t.dtype));
        registration.run(context);
      } });
      try {
        await matmul(operand([3, 8], 'float32', 1), transpose(operand([5, 8], 'bfloat16', 2))).data();
        await matmul(operand([6, 8], 'float16', 3), operand([8, 5], 'float16', 4)).data();
      } finally {
        registerKernel('native', registration);
      }
      expect(seen).toEqual([['float32', 'bfloat16', 'bfloat16'], ['float16', 'float16', 'float16']]);
    });
  });

  for (const isa of usable) {
    for (const threads of [1, 2]) {
      describe(`${isa.name}, ${threads} thread${threads > 1 ? 's' : ''}`, () => {
        for (const [index, c] of cases.entries()) {
          it(`${c.name}: equals cast up, multiply in float32, cast down`, async () => {
            const backend = await backendFor(isa.name, threads);
            await onBackend(backend, async () => {
              const a = operand(c.shapes[0], c.dtypes[0], 100 + index);
              const b = operand(c.shapes[1], c.dtypes[1], 200 + index);
              const half = c.run(a, b);
              const expected = cast(c.run(cast(a, 'float32'), cast(b, 'float32')), outputDType(c.dtypes[0], c.dtypes[1]));
              expect(half.dtype).toBe(expected.dtype);
              expect(half.shape).toEqual(expected.shape);
              const [got, want] = [Array.from(await half.data()), Array.from(await expected.data())];
              if (c.dotProducts) {
                // Within the float32 rounding of a K-term sum (bounded by sum |a||b|), then one
                // rounding step of the output dtype.
                const bound = Array.from(await c.run(abs(cast(a, 'float32')), abs(cast(b, 'float32'))).data());
                const k = c.shapes[0][c.shapes[0].length - 1]!;
                const step = outputDType(c.dtypes[0], c.dtypes[1]) === 'bfloat16' ? 2 ** -7 : 2 ** -10;
                const bad = got.findIndex((v, i) => !(Math.abs(v - want[i]!) <= step * Math.abs(want[i]!) + 2 ** -24 + k * 2 ** -23 * bound[i]!));
                expect(bad, `first difference at ${bad}: ${got[bad]} vs ${want[bad]}`).toBe(-1);
                expect(got.filter((v, i) => v === want[i]).length).toBeGreaterThan(got.length / 2);
              } else {
                const firstDiff = got.findIndex((v, i) => !Object.is(v, want[i]));
                expect(firstDiff, `first difference at ${firstDiff}: ${got[firstDiff]} vs ${want[firstDiff]}`).toBe(-1);
              }
              if (c.shapes[0].every((d) => d > 0)) expect(got.some((v) => v !== 0)).toBe(true);
            });
          });
        }
      });
    }
  }

  it('keeps gradients in each input dtype (bf16 weight, f32 input, recorded: cast up as before)', async () => {
    const backend = await backendFor(usable[0]!.name, 2);
    await onBackend(backend, async () => {
      const x = operand([4, 8], 'float32', 1);
      const w = operand([5, 8], 'bfloat16', 2);
      const { grads } = valueAndGrad((xx: Tensor, ww: Tensor) => cast(sum(matmul(xx, transpose(ww))), 'float32'))(x, w);
      expect(grads.map((g) => g.dtype)).toEqual(['float32', 'bfloat16']);
    });
  });

  it.each(['bfloat16', 'float16'] as const)('Gather reads a %s table as stored, equal to casting up and down', async (dtype) => {
    const backend = await backendFor(usable[0]!.name, 2);
    await onBackend(backend, async () => {
      expect(findKernel(K.Gather, backend)?.half).toBe(true);
      const table = operand([50, 24], dtype, 9);
      const ids = tensor([3, 49, 0, 3, 17, 8], [2, 3], 'int32');
      const y = embedding(table, ids);
      const want = cast(embedding(cast(table, 'float32'), ids), dtype);
      expect(y.dtype).toBe(dtype);
      expect(y.shape).toEqual([2, 3, 24]);
      expect(Array.from(await y.data())).toEqual(Array.from(await want.data()));
    });
  });

  it('reshaped batched half operands', async () => {
    const backend = await backendFor(usable[0]!.name, 2);
    await onBackend(backend, async () => {
      const a = operand([2, 3, 16], 'bfloat16', 5);
      const b = operand([16, 24], 'bfloat16', 6);
      const y = reshape(matmul(a, b), [6, 24]);
      const want = cast(matmul(reshape(cast(a, 'float32'), [6, 16]), cast(b, 'float32')), 'bfloat16');
      expect(Array.from(await y.data())).toEqual(Array.from(await want.data()));
    });
  });
});
