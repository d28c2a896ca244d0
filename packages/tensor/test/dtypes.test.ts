/** dtypes: float32/float64/int32/bool compute, float16/bfloat16 storage computed in float32. */
import { describe, expect, it } from 'vitest';
import {
  add, bfloat16BitsToFloat, cast, floatToBfloat16Bits, floatToHalfBits, halfBitsToFloat, matmul, sum, tensor, mul,
  valueAndGrad, gt, where, arange, exp,
} from '@tessera/tensor';

describe('dtypes', () => {
  it('float16 bit conversions round to nearest even, with subnormals and overflow', () => {
    expect(floatToHalfBits(1)).toBe(0x3c00);
    expect(floatToHalfBits(-2)).toBe(0xc000);
    expect(floatToHalfBits(65504)).toBe(0x7bff);
    expect(floatToHalfBits(65520)).toBe(0x7c00); // rounds up to infinity
    expect(floatToHalfBits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(floatToHalfBits(2 ** -25)).toBe(0x0000); // ties to even -> 0
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even mantissa
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(Number.isNaN(halfBitsToFloat(floatToHalfBits(NaN)))).toBe(true);
    for (const v of [0.1, -3.75, 1000.5, 6.1e-5, 1e-7]) {
      const back = halfBitsToFloat(floatToHalfBits(v));
      expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25));
    }
  });

  it('bfloat16 bit conversions', () => {
    expect(floatToBfloat16Bits(1)).toBe(0x3f80);
    expect(bfloat16BitsToFloat(0x3f80)).toBe(1);
    expect(floatToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie -> even
    expect(floatToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(Number.isNaN(bfloat16BitsToFloat(floatToBfloat16Bits(NaN)))).toBe(true);
  });

  it('half tensors store 16-bit values and compute in float32', async () => {
    for (const dtype of ['float16', 'bfloat16'] as const) {
      const a = tensor([1, 2.5, -3, 0.1], [2, 2], dtype);
      expect(a.dtype).toBe(dtype);
      const y = matmul(a, a);
      expect(y.dtype).toBe(dtype);
      const a32 = cast(a, 'float32');
      const want = await cast(matmul(a32, a32), dtype).data();
      expect(Array.from(await y.data())).toEqual(Array.from(want));
      const { grads } = valueAndGrad((x) => sum(mul(x, x)))(a);
      expect(grads[0].dtype).toBe(dtype);
      expect(Array.from(await grads[0].data())).toEqual(Array.from(await mul(a, 2).data()));
    }
  });

  it('float64 keeps double precision', async () => {
    const a = tensor(new Float64Array([1e-10, 1]), [2]);
    expect(a.dtype).toBe('float64');
    const s = await add(a, 1e-12).data();
    expect(s[0]).toBeCloseTo(1.01e-10, 20);
    expect(s).toBeInstanceOf(Float64Array);
  });

  it('int32 and bool', async () => {
    const i = arange(5);
    expect(i.dtype).toBe('int32');
    expect(Array.from(await add(i, 2).data())).toEqual([2, 3, 4, 5, 6]);
    const m = gt(i, 2);
    expect(m.dtype).toBe('bool');
    expect(Array.from(await m.data())).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(await where(m, i, 0).data())).toEqual([0, 0, 0, 3, 4]);
    expect(await sum(m).item()).toBe(2);
    expect(Array.from(await cast(tensor([-1.7, 2.9]), 'int32').data())).toEqual([-1, 2]);
    expect(() => exp(i)).toThrow(/floating-point/);
  });
});

describe('raw half storage', () => {
  it('tensor() takes Uint16Array bit patterns for float16/bfloat16 as they are', async () => {
    const { tensor: make } = await import('@tessera/tensor');
    const bits = new Uint16Array([0x3c00, 0xc000, 0x7bff]);
    expect(Array.from(await make(bits, [3], 'float16').data())).toEqual([1, -2, 65504]);
    expect(Array.from(await make(new Uint16Array([0x3f80]), [1], 'bfloat16').data())).toEqual([1]);
    expect(() => make(bits, [3], 'float32')).toThrow(/raw float16/);
  });
});
