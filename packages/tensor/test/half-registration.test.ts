/**
 * A backend's registration may say it handles float16/bfloat16 storage (`kernel(def, run,
 * { half: true })`): the engine then hands it the inputs as stored, with outputs of the dtypes the
 * float32 computation cast down would have, instead of casting inputs up and outputs down around
 * the call. Registrations without the flag keep the casts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat, cast, CpuBackend, defineGrad, defineKernel, floatToBfloat16Bits, floatToHalfBits, getBackend, halfBitsToFloat,
  kernel, mul, runKernel, sum, tensor, useBackend, valueAndGrad, type Backend, type DType, type KernelRegistration, type Tensor,
} from '@tessera/tensor';

// y = a * b + 1 elementwise; like Matmul, both inputs must share one dtype.
const MulPlusOne = defineKernel({
  name: 'TestHalfMulPlusOne',
  inputs: ['a', 'b'],
  infer: ([a, b]) => {
    if (a!.dtype !== b!.dtype) throw new Error(`dtypes differ: ${a!.dtype} ${b!.dtype}`);
    return [{ shape: a!.shape, dtype: a!.dtype }];
  },
});
defineGrad(MulPlusOne, ([dy], { inputs: [a, b] }) => [mul(dy!, b!), mul(dy!, a!)]);

const decode = (dtype: DType, v: number) => (dtype === 'bfloat16' ? bfloat16BitsToFloat(v) : dtype === 'float16' ? halfBitsToFloat(v) : v);
const encode = (dtype: DType, v: number) => (dtype === 'bfloat16' ? floatToBfloat16Bits(v) : dtype === 'float16' ? floatToHalfBits(v) : v);

const calls: DType[][] = [];
function registration(half: boolean): KernelRegistration<Backend> {
  return kernel<Record<string, never>, CpuBackend>(MulPlusOne, ({ backend, inputs: [a, b], outputs: [y] }) => {
    calls.push([a!.dtype, b!.dtype, y!.dtype]);
    const [as, bs, ys] = [backend.array(a!.handle), backend.array(b!.handle), backend.array(y!.handle)];
    for (let i = 0; i < y!.size; i++) {
      const value = Math.fround(decode(a!.dtype, as[a!.offset + i]!) * decode(b!.dtype, bs[b!.offset + i]!) + 1);
      ys[i] = encode(y!.dtype, value);
    }
  }, { half }) as KernelRegistration<Backend>;
}

class HalfAware extends CpuBackend {
  override readonly name: string = 'cpu-half-aware';
  override readonly kernels: readonly KernelRegistration<Backend>[] = [...new CpuBackend().kernels, registration(true)];
}
class CastUp extends CpuBackend {
  override readonly name: string = 'cpu-cast-up';
  override readonly kernels: readonly KernelRegistration<Backend>[] = [...new CpuBackend().kernels, registration(false)];
}

const original = getBackend();
afterEach(() => {
  useBackend(original);
  calls.length = 0;
});

function run(a: Tensor, b: Tensor): Tensor {
  return runKernel(MulPlusOne, [a, b], {})[0]!;
}

describe('registrations that handle half storage', () => {
  it('kernel() sets the flag only when asked', () => {
    expect(registration(true).half).toBe(true);
    expect(registration(false).half).toBeUndefined();
  });

  it.each([
    ['bfloat16', 'bfloat16', 'bfloat16'],
    ['float16', 'float16', 'float16'],
    ['bfloat16', 'float32', 'bfloat16'],
    ['float32', 'float16', 'float16'],
    ['float16', 'bfloat16', 'float16'],
  ] as const)('%s x %s: the half-aware kernel gets them as stored; results equal the cast-up path (%s)', async (da, db, out) => {
    const values = [[1.1, -2.7, 300.3, 0.001], [3.3, 0.5, -1.25, 1e4]];
    for (const Backend of [HalfAware, CastUp]) {
      useBackend(new Backend());
      calls.length = 0;
      const y = run(cast(tensor(values[0]!), da), cast(tensor(values[1]!), db));
      expect(y.dtype).toBe(out);
      if (Backend === HalfAware) expect(calls).toEqual([[da, db, out]]);
      else expect(calls).toEqual([['float32', 'float32', 'float32']]);
    }
    useBackend(new HalfAware());
    const half = await run(cast(tensor(values[0]!), da), cast(tensor(values[1]!), db)).data();
    useBackend(new CastUp());
    const up = await run(cast(tensor(values[0]!), da), cast(tensor(values[1]!), db)).data();
    expect(Array.from(half)).toEqual(Array.from(up));
  });

  it('float32 inputs are untouched either way', () => {
    useBackend(new HalfAware());
    expect(run(tensor([1, 2]), tensor([3, 4])).dtype).toBe('float32');
    expect(calls).toEqual([['float32', 'float32', 'float32']]);
  });

  it('a recorded call mixing a half dtype with float32 is cast up, so gradients keep each input dtype', () => {
    useBackend(new HalfAware());
    const a = cast(tensor([1, 2, 3]), 'bfloat16');
    const b = tensor([4, 5, 6]);
    const { grads } = valueAndGrad((x: Tensor, w: Tensor) => cast(sum(run(x, w)), 'float32'))(a, b);
    expect(grads.map((g) => g.dtype)).toEqual(['bfloat16', 'float32']);
    expect(calls).toEqual([['float32', 'float32', 'float32']]);
    calls.length = 0;
    const { grads: same } = valueAndGrad((x: Tensor, w: Tensor) => cast(sum(run(x, w)), 'float32'))(a, cast(b, 'bfloat16'));
    expect(same.map((g) => g.dtype)).toEqual(['bfloat16', 'bfloat16']);
    expect(calls).toEqual([['bfloat16', 'bfloat16', 'bfloat16']]);
  });
});
