/** Views share storage; reshape copies only when it must; contiguous() compacts. */
import { describe, expect, it } from 'vitest';
import { arange, contiguous, expand, permute, reshape, slice, transpose, tensor, add, chunk, split, stack, squeeze, unsqueeze, flatten } from '@tessera/tensor';

describe('views', () => {
  it('transpose, permute, slice and expand share storage', async () => {
    const x = reshape(arange(24, undefined, 1, 'float32'), [2, 3, 4]);
    const t = transpose(x, 0, 2);
    expect(t.storage).toBe(x.storage);
    expect(t.shape).toEqual([4, 3, 2]);
    expect(t.isContiguous).toBe(false);
    const s = slice(x, 2, 1, 3);
    expect(s.storage).toBe(x.storage);
    expect(Array.from(await s.data())).toEqual([1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22]);
    const e = expand(tensor([1, 2, 3], [3, 1]), [2, 3, 4]);
    expect(e.strides).toEqual([0, 1, 0]);
    expect((await e.data()).length).toBe(24);
    const p = permute(x, [1, 2, 0]);
    expect(Array.from(await p.data()).slice(0, 4)).toEqual([0, 12, 1, 13]);
  });

  it('reshape is a view when strides allow and a copy otherwise', async () => {
    const x = reshape(arange(24, undefined, 1, 'float32'), [2, 3, 4]);
    const merged = reshape(x, [6, 4]);
    expect(merged.storage).toBe(x.storage);
    // Slicing the middle axis keeps the last two dims mergeable with the first? No: copy needed.
    const t = transpose(x, 1, 2); // [2, 4, 3]
    const r = reshape(t, [2, 12]);
    expect(r.storage).not.toBe(x.storage);
    expect(Array.from(await r.data()).slice(0, 6)).toEqual([0, 4, 8, 1, 5, 9]);
    // A transposed view whose leading dims stay contiguous can still merge them.
    const u = reshape(transpose(x, 1, 2), [2, 4, 3]);
    expect(u.storage).toBe(x.storage);
    const v = reshape(slice(x, 0, 1, 2), [3, 4]);
    expect(v.storage).toBe(x.storage);
    expect(Array.from(await v.data())).toEqual(Array.from({ length: 12 }, (_, i) => i + 12));
    const c = contiguous(t);
    expect(c.isContiguous).toBe(true);
    expect(Array.from(await c.data())).toEqual(Array.from(await t.data()));
  });

  it('ops read strided inputs correctly', async () => {
    const x = reshape(arange(6, undefined, 1, 'float32'), [2, 3]);
    const y = add(transpose(x), slice(reshape(arange(9, undefined, 1, 'float32'), [3, 3]), 1, 0, 2));
    expect(Array.from(await y.data())).toEqual([0, 4, 4, 8, 8, 12]);
  });

  it('split, chunk, stack, squeeze, unsqueeze, flatten', async () => {
    const x = reshape(arange(10, undefined, 1, 'float32'), [5, 2]);
    expect(split(x, [2, 3]).map((t) => t.shape)).toEqual([[2, 2], [3, 2]]);
    expect(chunk(x, 2).map((t) => t.shape)).toEqual([[3, 2], [2, 2]]);
    const s = stack([x, x], 1);
    expect(s.shape).toEqual([5, 2, 2]);
    expect(Array.from(await s.data()).slice(0, 4)).toEqual([0, 1, 0, 1]);
    expect(squeeze(unsqueeze(x, 1)).shape).toEqual([5, 2]);
    expect(unsqueeze(x, -1).shape).toEqual([5, 2, 1]);
    expect(flatten(s, 1).shape).toEqual([5, 4]);
  });
});
