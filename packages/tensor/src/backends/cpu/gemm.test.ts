import { describe, expect, it } from 'vitest';
import { gemm, type FloatArray } from './gemm.js';

/** mulberry32: a small seeded generator so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** One strided matrix operand: storage plus how [rows, cols] maps into it. */
interface Operand {
  data: FloatArray;
  offset: number;
  rowStride: number;
  colStride: number;
}

type Layout = 'row-major' | 'col-major' | 'padded' | 'broadcast-rows' | 'broadcast-cols' | 'scalar';
const LAYOUTS: Layout[] = ['row-major', 'col-major', 'padded', 'broadcast-rows', 'broadcast-cols', 'scalar'];

/** A [rows, cols] operand in the given layout, filled with values in [-1, 1). */
function operand(rows: number, cols: number, layout: Layout, ctor: Ctor, offset: number, random: () => number): Operand {
  let rowStride: number;
  let colStride: number;
  switch (layout) {
    case 'row-major': rowStride = cols; colStride = 1; break;
    case 'col-major': rowStride = 1; colStride = rows; break;
    // Gaps between both rows and columns: a strided slice of a bigger buffer.
    case 'padded': rowStride = 2 * cols + 3; colStride = 2; break;
    case 'broadcast-rows': rowStride = 0; colStride = 1; break;
    case 'broadcast-cols': rowStride = 1; colStride = 0; break;
    case 'scalar': rowStride = 0; colStride = 0; break;
  }
  const extent = (rows - 1) * rowStride + (cols - 1) * colStride + 1;
  const data = new ctor(offset + Math.max(extent, 0) + 5);
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
  return { data, offset, rowStride, colStride };
}

/** Naive float64 reference: values and sum |a*b| per element (the error scale). */
function reference(M: number, N: number, K: number, a: Operand, b: Operand): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(M * N);
  const scale = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      let abs = 0;
      for (let k = 0; k < K; k++) {
        const p = a.data[a.offset + m * a.rowStride + k * a.colStride]! * b.data[b.offset + k * b.rowStride + n * b.colStride]!;
        s += p;
        abs += Math.abs(p);
      }
      value[m * N + n] = s;
      scale[m * N + n] = abs;
    }
  }
  return { value, scale };
}

/**
 * Runs gemm into a sentinel-filled buffer and checks every element against the reference,
 * plus that nothing outside [outOffset, outOffset + M*N) was written.
 * Tolerance from the output dtype: float64 sums of K products carry at most about
 * K * 2^-53 * sum|a*b| error (both here and in the reference); a float32 output adds one
 * rounding, 2^-24 relative.
 */
function check(M: number, N: number, K: number, a: Operand, b: Operand, outCtor: Ctor, outOffset: number): void {
  const sentinel = 12345;
  const out = new outCtor(outOffset + M * N + 3).fill(sentinel);
  gemm(M, N, K, a.data, a.offset, a.rowStride, a.colStride, b.data, b.offset, b.rowStride, b.colStride, out, outOffset);
  const { value, scale } = reference(M, N, K, a, b);
  const rounding = outCtor === Float32Array ? 2 ** -24 : 0;
  let failures = 0;
  let first = '';
  for (let i = 0; i < M * N; i++) {
    const got = out[outOffset + i]!;
    const tolerance = rounding * Math.abs(value[i]!) + 4 * (K + 1) * 2 ** -53 * scale[i]! + 1e-300;
    // Written so that NaN fails.
    if (!(Math.abs(got - value[i]!) <= tolerance)) {
      if (failures === 0) first = `out[${Math.floor(i / N)}, ${i % N}] = ${got}, expected ${value[i]} +- ${tolerance}`;
      failures++;
    }
  }
  const where = `M=${M} N=${N} K=${K} a=${describeOperand(a)} b=${describeOperand(b)} out=${outCtor.name} at ${outOffset}`;
  expect(failures, `${where}: ${failures} elements out of tolerance, first ${first}`).toBe(0);
  for (let i = 0; i < outOffset; i++) expect(out[i], `${where}: wrote before outOffset`).toBe(sentinel);
  for (let i = outOffset + M * N; i < out.length; i++) expect(out[i], `${where}: wrote past the end`).toBe(sentinel);
}

function describeOperand(x: Operand): string {
  return `${x.data.constructor.name} at ${x.offset} strides (${x.rowStride}, ${x.colStride})`;
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

describe('gemm', () => {
  it('computes a small product exactly', () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([7, 8, 9, 10, 11, 12]);
    const out = new Float32Array(4);
    gemm(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, out, 0);
    expect(Array.from(out)).toEqual([58, 64, 139, 154]);
    // Same a read as its transpose [3, 2], times itself [2, 3]: a^T a.
    const gram = new Float64Array(9);
    gemm(3, 3, 2, a, 0, 1, 3, a, 0, 3, 1, gram, 0);
    expect(Array.from(gram)).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
  });

  it('matches the float64 reference on random shapes, layouts and dtypes', () => {
    const random = rng(1);
    const ctors: Ctor[] = [Float32Array, Float64Array];
    for (let trial = 0; trial < 300; trial++) {
      const M = 1 + Math.floor(random() * 70);
      const N = 1 + Math.floor(random() * 70);
      const K = 1 + Math.floor(random() * 70);
      const aCtor = pick(ctors, random);
      const a = operand(M, K, pick(LAYOUTS, random), aCtor, Math.floor(random() * 4), random);
      // Usually one dtype for all three, as the backend calls it; sometimes mixed.
      const mixed = random() < 0.2;
      const b = operand(K, N, pick(LAYOUTS, random), mixed ? pick(ctors, random) : aCtor, Math.floor(random() * 4), random);
      check(M, N, K, a, b, mixed ? pick(ctors, random) : aCtor, Math.floor(random() * 4));
    }
  });

  it('handles every layout pair on a shape with ragged tiles', () => {
    const random = rng(2);
    for (const ctor of [Float32Array, Float64Array]) {
      for (const aLayout of LAYOUTS) {
        for (const bLayout of LAYOUTS) {
          check(13, 7, 9, operand(13, 9, aLayout, ctor, 1, random), operand(9, 7, bLayout, ctor, 2, random), ctor, 3);
        }
      }
    }
  });

  it('handles every layout pair on thin shapes (M < 4 or N < 4, no packing)', () => {
    const random = rng(6);
    const shapes: [number, number, number][] = [[1, 9, 11], [2, 9, 6], [3, 5, 4], [9, 1, 11], [9, 2, 6], [5, 3, 4], [1, 1, 5], [2, 3, 1]];
    for (const [M, N, K] of shapes) {
      for (const aLayout of LAYOUTS) {
        for (const bLayout of LAYOUTS) {
          check(M, N, K, operand(M, K, aLayout, Float32Array, 1, random), operand(K, N, bLayout, Float32Array, 2, random), Float32Array, 1);
        }
      }
    }
  });

  it('handles thin shapes longer than the scratch tile (16384)', () => {
    const random = rng(7);
    check(1, 16_390, 5, operand(1, 5, 'row-major', Float64Array, 0, random), operand(5, 16_390, 'row-major', Float64Array, 0, random), Float64Array, 0);
    check(16_390, 2, 5, operand(16_390, 5, 'col-major', Float32Array, 0, random), operand(5, 2, 'row-major', Float32Array, 0, random), Float32Array, 0);
  });

  it('handles edge sizes: 1x1, vectors, thin and tall shapes', () => {
    const random = rng(3);
    const shapes: [number, number, number][] = [
      [1, 1, 1], [1, 1, 70], [1, 70, 1], [70, 1, 1], [1, 37, 50], [50, 1, 37], [3, 3, 3], [3, 4, 5],
      [4, 3, 5], [4, 4, 4], [5, 5, 1], [4, 4, 1], [200, 2, 30], [2, 200, 30], [200, 5, 3], [5, 200, 3],
    ];
    for (const [M, N, K] of shapes) {
      for (const ctor of [Float32Array, Float64Array]) {
        check(M, N, K, operand(M, K, 'row-major', ctor, 0, random), operand(K, N, 'row-major', ctor, 0, random), ctor, 0);
        check(M, N, K, operand(M, K, 'col-major', ctor, 2, random), operand(K, N, 'col-major', ctor, 1, random), ctor, 1);
      }
    }
  });

  it('crosses every cache block boundary (M > 64, N > 256, K > 256)', () => {
    const random = rng(4);
    for (const ctor of [Float32Array, Float64Array]) {
      check(131, 261, 517, operand(131, 517, 'row-major', ctor, 3, random), operand(517, 261, 'row-major', ctor, 1, random), ctor, 2);
      check(67, 257, 300, operand(67, 300, 'col-major', ctor, 0, random), operand(300, 257, 'padded', ctor, 0, random), ctor, 0);
    }
  });

  it('writes zeros when K = 0 and nothing when M or N is 0', () => {
    for (const [M, N] of [[3, 5], [5, 5], [70, 70], [1, 1]] as const) {
      const out = new Float32Array(M * N + 2).fill(Number.NaN);
      gemm(M, N, 0, new Float32Array(0), 0, 0, 1, new Float32Array(0), 0, 1, 0, out, 1);
      expect(Number.isNaN(out[0]!)).toBe(true);
      expect(Array.from(out.subarray(1, 1 + M * N))).toEqual(new Array<number>(M * N).fill(0));
      expect(Number.isNaN(out[M * N + 1]!)).toBe(true);
    }
    const untouched = new Float64Array(4).fill(7);
    gemm(0, 4, 3, new Float64Array(12), 0, 3, 1, new Float64Array(12), 0, 4, 1, untouched, 0);
    gemm(4, 0, 3, new Float64Array(12), 0, 3, 1, new Float64Array(12), 0, 4, 1, untouched, 0);
    expect(Array.from(untouched)).toEqual([7, 7, 7, 7]);
  });

  it('accumulates in float64 and rounds once into a float32 output', () => {
    // 1 + 2^-24 - 1 + ... : float32 partial sums would lose the small terms.
    const K = 600;
    const a = new Float32Array(8 * K);
    const b = new Float32Array(K * 8);
    for (let m = 0; m < 8; m++) for (let k = 0; k < K; k++) a[m * K + k] = k % 2 === 0 ? 1 : 2 ** -12;
    for (let k = 0; k < K; k++) for (let n = 0; n < 8; n++) b[k * 8 + n] = k % 2 === 0 ? (k % 4 === 0 ? 1 : -1) : 2 ** -12;
    const out = new Float32Array(64);
    gemm(8, 8, K, a, 0, K, 1, b, 0, 8, 1, out, 0);
    // Even k: +1, -1 alternating, sum 0; odd k: 300 terms of 2^-24.
    expect(out[0]).toBe(Math.fround(300 * 2 ** -24));
    expect(out[63]).toBe(Math.fround(300 * 2 ** -24));
  });

  it('gives the same answer after a bigger call reused the scratch buffers', () => {
    const random = rng(5);
    const a = operand(9, 11, 'row-major', Float64Array, 0, random);
    const b = operand(11, 6, 'col-major', Float64Array, 0, random);
    const first = new Float64Array(54);
    gemm(9, 6, 11, a.data, 0, a.rowStride, a.colStride, b.data, 0, b.rowStride, b.colStride, first, 0);
    const big = operand(100, 300, 'row-major', Float64Array, 0, random);
    gemm(100, 100, 300, big.data, 0, 300, 1, big.data, 0, 1, 300, new Float64Array(10_000), 0);
    const second = new Float64Array(54);
    gemm(9, 6, 11, a.data, 0, a.rowStride, a.colStride, b.data, 0, b.rowStride, b.colStride, second, 0);
    expect(Array.from(second)).toEqual(Array.from(first));
  });

  it('propagates NaN and Infinity only into the elements they touch', () => {
    const a = new Float64Array(5 * 6).fill(1);
    const b = new Float64Array(6 * 7).fill(1);
    a[2 * 6 + 3] = Number.POSITIVE_INFINITY; // row 2
    b[4 * 7 + 5] = Number.NaN; // column 5
    const out = new Float64Array(35);
    gemm(5, 7, 6, a, 0, 6, 1, b, 0, 7, 1, out, 0);
    for (let m = 0; m < 5; m++) {
      for (let n = 0; n < 7; n++) {
        const expected = n === 5 ? Number.NaN : m === 2 ? Number.POSITIVE_INFINITY : 6;
        expect(out[m * 7 + n], `out[${m}, ${n}]`).toBe(expected);
      }
    }
  });
});
