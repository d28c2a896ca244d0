/**
 * SGEMM beyond the conformance cases: the shared suite `describeGemm` of
 * @tessera/kernels-conformance with the sizes that cross this backend's blocking boundaries (KC,
 * MC, the register tile, the 2048-column tile), each transposition and stride layout the packing
 * routines special-case, batched and broadcast operands, with one and two threads. The reference
 * is the reference CPU backend in float64. Results must not depend on the thread count. Here too:
 * how the work is split between threads.
 */
import { describe, expect, it } from 'vitest';
import { GEMM_LAYOUT_CASES, describeGemm, type GemmCase } from '@tessera/kernels-conformance';
import { matmul, transpose } from '@tessera/tensor';
import { createWasmBackend } from '../src/index.js';
import { chooseTiles } from '../src/kernels/matmul.js';

/** The cases that cross this backend's block and tile sizes (the shared layouts follow). */
const wasmCases: GemmCase[] = [
  { name: '[253,520] @ [520,270] (crosses KC, MC and tile edges)', shapes: [[253, 520], [520, 270]], run: (a, b) => matmul(a, b) },
  { name: 'A^T B (column-major A)', shapes: [[600, 303], [600, 130]], run: (a, b) => matmul(transpose(a), b) },
  { name: 'A^T B^T', shapes: [[270, 47], [61, 270]], run: (a, b) => matmul(transpose(a), transpose(b)) },
  { name: 'wider than one 2048-column tile', shapes: [[9, 40], [40, 4200]], run: (a, b) => matmul(a, b) },
  { name: 'tall and narrow (rows split between threads)', shapes: [[700, 64], [64, 20]], run: (a, b) => matmul(a, b) },
];

describeGemm('wasm', ({ threads }) => createWasmBackend({ threads }), { cases: [...wasmCases, ...GEMM_LAYOUT_CASES], dtypes: ['float32'] });

describe('wasm sgemm threading', () => {
  it('splits big products between the threads and keeps small ones on the caller', () => {
    // Row ranges are whole 5-row micro-panels (MR = 5) where possible; columns whole 8-column ones.
    expect(chooseTiles(1, 1024, 1024, 1024, 2)).toEqual([515, 512, 2]);
    expect(chooseTiles(1, 2048, 2048, 512, 2)).toEqual([1025, 1024, 2]);
    expect(chooseTiles(1, 700, 20, 64, 2)).toEqual([175, 20, 2]);
    expect(chooseTiles(1, 200, 150, 300, 2)).toEqual([200, 80, 2]);
    expect(chooseTiles(16, 256, 256, 64, 2)).toEqual([256, 256, 2]);
    expect(chooseTiles(1, 32, 32, 32, 2)[2]).toBe(1);
    expect(chooseTiles(1, 1024, 1024, 1024, 1)).toEqual([1024, 1024, 1]);
  });
});
