/** Behaviours at the edges where we follow PyTorch (found by the conformance suite). */
import { describe, expect, it } from 'vitest';
import {
  clamp, DTypeError, kernels, logsumexp, maximum, mean, minimum, noGrad, pow, scope, sum, tensor, valueAndGrad, type Tensor,
} from '@tessera/tensor';
import * as ops from '@tessera/tensor';

describe('torch semantics', () => {
  it('maximum/minimum split the gradient evenly on ties', async () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([1, 5, 0]);
    const { grads: [ga, gb] } = valueAndGrad((x: Tensor, y: Tensor) => sum(maximum(x, y)))(a, b);
    expect(Array.from(await ga.data())).toEqual([0.5, 0, 1]);
    expect(Array.from(await gb.data())).toEqual([0.5, 1, 0]);
    const { grads: [ma] } = valueAndGrad((x: Tensor, y: Tensor) => sum(minimum(x, y)))(a, b);
    expect(Array.from(await ma.data())).toEqual([0.5, 1, 0]);
  });

  it('the gradient of pow(x, 0) is 0 everywhere, also at 0', async () => {
    const { grads: [g] } = valueAndGrad((t: Tensor) => sum(pow(t, 0)))(tensor([0, 2]));
    expect(Array.from(await g.data())).toEqual([0, 0]);
  });

  it('clamp with min > max gives max; integer tensors need integer bounds', async () => {
    expect(Array.from(await clamp(tensor([1, 5, 9]), 6, 4).data())).toEqual([4, 4, 4]);
    expect(() => clamp(tensor([1, 2], [2], 'int32'), 0.5)).toThrow(DTypeError);
    expect(Array.from(await clamp(tensor([1, 7], [2], 'int32'), 2, 5).data())).toEqual([2, 5]);
  });

  it('mean of integers is an error, not a truncated value', () => {
    expect(() => mean(tensor([1, 2], [2], 'int32'))).toThrow(DTypeError);
  });

  it('logsumexp of a row of -inf is -inf, fused and decomposed', async () => {
    const x = tensor(new Float64Array([-Infinity, -Infinity, 0, 1, Infinity, 0]), [3, 2]);
    const decomposed = scope(() => noGrad(() => kernels.LogSumExp.decompose!([x], { axes: [1] }, ops)))[0]!;
    const fused = await logsumexp(x, 1).data();
    expect(fused[0]).toBe(-Infinity);
    expect(fused[2]).toBe(Infinity);
    expect(Array.from(await decomposed.data())).toEqual(Array.from(fused));
  });
});
