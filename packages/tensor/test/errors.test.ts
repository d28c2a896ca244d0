/** Typed errors with messages that name the op, the shapes/dtypes, and what to do. */
import { describe, expect, it } from 'vitest';
import {
  add, crossEntropy, DisposedError, DTypeError, embedding, InvalidArgumentError, matmul, reshape, scope, ShapeError,
  sum, tensor, TesseraError, valueAndGrad, zeros, KernelNotFoundError, slice, mul,
} from '@tessera/tensor';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('errors', () => {
  it('shape mismatch names the op and both shapes', () => {
    const e = thrown(() => add(zeros([2, 3]), zeros([4])));
    expect(ShapeError.isInstance(e)).toBe(true);
    expect(TesseraError.isInstance(e)).toBe(true);
    expect((e as ShapeError).op).toBe('add');
    expect((e as Error).message).toContain('[2, 3]');
    expect((e as Error).message).toContain('[4]');
    expect((e as ShapeError).hint).toBeTruthy();
  });

  it('matmul inner-dimension mismatch', () => {
    const e = thrown(() => matmul(zeros([2, 3]), zeros([4, 5])));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as Error).message).toMatch(/matmul.*\[2, 3\].*\[4, 5\]/s);
  });

  it('dtype mismatch and wrong dtypes', () => {
    const e = thrown(() => add(zeros([2]), zeros([2], 'float64')));
    expect(e).toBeInstanceOf(DTypeError);
    expect((e as Error).message).toContain('float32');
    expect((e as Error).message).toContain('float64');
    expect(thrown(() => embedding(zeros([4, 2]), zeros([3])))).toBeInstanceOf(DTypeError);
    expect(thrown(() => add(tensor([1, 2], [2], 'int32'), 0.5))).toBeInstanceOf(DTypeError);
  });

  it('use after dispose', () => {
    const a = zeros([2]);
    a.dispose();
    const e = thrown(() => add(a, 1));
    expect(e).toBeInstanceOf(DisposedError);
    expect((e as Error).message).toMatch(/disposed/);
    return expect(a.data()).rejects.toBeInstanceOf(DisposedError);
  });

  it('bad data and shapes', () => {
    expect(thrown(() => tensor([1, 2, 3], [2, 2]))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => tensor([[1, 2], [3]]))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => tensor([1.5], [1], 'int32'))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => reshape(zeros([2, 3]), [4, 2]))).toBeInstanceOf(ShapeError);
    expect(thrown(() => sum(zeros([2, 3]), 2))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => slice(zeros([2, 3]), 1, 2, 5))).toBeInstanceOf(InvalidArgumentError);
  });

  it('out-of-range ids and targets are errors, not NaN or garbage', () => {
    const e = thrown(() => embedding(zeros([4, 2]), tensor([1, 4], [2], 'int32')));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toContain('id 4 at flat position 1');
    const ce = thrown(() => crossEntropy(zeros([2, 3]), tensor([0, 3], [2], 'int32')));
    expect(ce).toBeInstanceOf(InvalidArgumentError);
    expect((ce as Error).message).toContain('target 3');
  });

  it('valueAndGrad needs a scalar float result', () => {
    const e = thrown(() => valueAndGrad((x) => mul(x, 2))(zeros([3])));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toMatch(/sum\(y\)/);
  });

  it('scope rejects async callbacks', () => {
    expect(thrown(() => scope(async () => zeros([1])))).toBeInstanceOf(InvalidArgumentError);
  });

  it('errors from another copy of the package are recognised by their marker', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('tessera.error')]: true });
    expect(TesseraError.isInstance(foreign)).toBe(true);
    expect(KernelNotFoundError.isInstance(new Error('y'))).toBe(false);
  });
});
