/**
 * SGEMM/DGEMM beyond the conformance cases: the shared suite `describeGemm` of
 * @tessera/kernels-conformance with the sizes that cross this backend's blocking boundaries (KC,
 * MC, the register tile), each transposition and stride layout the packing routines special-case
 * and the decoding shapes, on every ISA path this machine runs, with one and two threads. The
 * reference is the reference CPU backend in float64. Results must not depend on the thread count.
 */
import { GEMM_LAYOUT_CASES, describeGemm, type GemmCase } from '@tessera/kernels-conformance';
import { matmul, transpose } from '@tessera/tensor';
import { createNativeBackend, nativeStatus } from '../src/index.js';

/** The cases that cross this backend's block and tile sizes (the shared layouts follow). */
const nativeCases: GemmCase[] = [
  { name: '[250,520] @ [520,270] (crosses KC, MC and tile edges)', shapes: [[250, 520], [520, 270]], run: (a, b) => matmul(a, b) },
  { name: 'A^T B (column-major A)', shapes: [[600, 300], [600, 130]], run: (a, b) => matmul(transpose(a), b) },
  { name: 'A^T B^T', shapes: [[270, 45], [61, 270]], run: (a, b) => matmul(transpose(a), transpose(b)) },
  {
    name: 'short and wide with a deep K: several shared B chunks, columns split', shapes: [[3, 4100], [4100, 1000]],
    run: (a, b) => matmul(a, b),
  },
  { name: 'two rows @ B^T (decoding: dot products, columns over several chunks)', shapes: [[2, 301], [700, 301]], run: (a, b) => matmul(a, transpose(b)) },
  { name: 'four rows @ B (decoding: row updates, odd K)', shapes: [[4, 37], [37, 600]], run: (a, b) => matmul(a, b) },
  { name: 'batched single rows @ B^T with a transposed A row', shapes: [[3, 45, 1], [3, 530, 45]], run: (a, b) => matmul(transpose(a, -2, -1), transpose(b, -2, -1)) },
];

const status = nativeStatus();
const isas = status.available ? status.isas.filter((i) => i.available).map((i) => i.name) : [];

describeGemm('native', async ({ threads, path }) => {
  const isa = isas.find((name) => name === path);
  if (isa === undefined) throw new Error(`gemm test: ISA path '${String(path)}' is not available here`);
  const backend = await createNativeBackend({ isa, threads, fallback: 'throw' });
  if (!('isa' in backend)) throw new Error('expected the native backend');
  return backend;
}, status.available ? { cases: [...nativeCases, ...GEMM_LAYOUT_CASES], paths: isas } : { skip: status.reason });
