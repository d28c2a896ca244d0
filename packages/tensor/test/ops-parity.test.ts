/**
 * Parity with PyTorch on every case of fixtures/ops.json (copied from ../shared/fixtures/ops):
 * outputs and gradients of sum(output * upstream), per-tensor tolerance
 * max|got - want| <= 1e-5 * max(1, max|want|).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  add, clamp, concat, crossEntropy, div, embedding, exp, expand, gelu, layerNorm, linear, log, logSoftmax, logsumexp,
  matmul, max, maskedFill, mean, mul, neg, permute, pow, relu, repeatInterleave, reshape, rsqrt, sigmoid, slice, softmax,
  sqrt, sub, sum, tanh, tensor, transpose, valueAndGrad, where, argmax, type Tensor, type DType,
} from '@tessera/tensor';

interface JsonTensor { dtype: string; shape: number[]; data: (number | boolean)[] }
interface Case {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: (JsonTensor & { name: string })[];
  output: JsonTensor;
  extra_outputs?: { indices: JsonTensor };
  upstream?: JsonTensor;
  grads?: Record<string, JsonTensor>;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/ops.json', import.meta.url), 'utf8')) as { cases: Case[] };

function toTensor(t: JsonTensor): Tensor {
  const dtype: DType = t.dtype === 'float32' ? 'float32' : t.dtype === 'bool' ? 'bool' : 'int32';
  return tensor(t.data.map(Number), t.shape, dtype);
}

type Op = (inputs: Tensor[], attrs: Record<string, any>) => Tensor;
const dims = (d: unknown): number[] | null => (d === null ? null : (d as number[]));

const ops: Record<string, Op> = {
  add: ([a, b]) => add(a!, b!),
  sub: ([a, b]) => sub(a!, b!),
  mul: ([a, b]) => mul(a!, b!),
  div: ([a, b]) => div(a!, b!),
  add_scalar: ([a], { scalar }) => add(a!, scalar),
  mul_scalar: ([a], { scalar }) => mul(a!, scalar),
  neg: ([a]) => neg(a!),
  pow: ([a], { exponent }) => pow(a!, exponent),
  matmul: ([a, b]) => matmul(a!, b!),
  linear: ([x, w]) => linear(x!, w!),
  softmax: ([x], { dim }) => softmax(x!, dim),
  log_softmax: ([x], { dim }) => logSoftmax(x!, dim),
  logsumexp: ([x], { dim, keepdim }) => logsumexp(x!, dim, keepdim),
  masked_fill_softmax: ([x, mask], { value, dim }) => softmax(maskedFill(x!, mask!, value), dim),
  layer_norm: ([x, w, b], { eps }) => layerNorm(x!, w!, b, eps),
  gelu: ([x], { approximate }) => gelu(x!, approximate),
  exp: ([x]) => exp(x!),
  log: ([x]) => log(x!),
  sqrt: ([x]) => sqrt(x!),
  rsqrt: ([x]) => rsqrt(x!),
  tanh: ([x]) => tanh(x!),
  sigmoid: ([x]) => sigmoid(x!),
  relu: ([x]) => relu(x!),
  cross_entropy: ([logits, target], { ignore_index }) => crossEntropy(logits!, target!, { ignoreIndex: ignore_index }),
  embedding: ([w, ids]) => embedding(w!, ids!),
  sum: ([x], { dim, keepdim }) => sum(x!, dims(dim), keepdim),
  mean: ([x], { dim, keepdim }) => mean(x!, dims(dim), keepdim),
  max: ([x], { dim, keepdim }) => max(x!, dim, keepdim),
  transpose: ([x], { dim0, dim1 }) => transpose(x!, dim0, dim1),
  permute: ([x], { dims: order }) => permute(x!, order),
  reshape: ([x], { shape }) => reshape(x!, shape),
  transpose_then_reshape: ([x], { dim0, dim1, shape }) => reshape(transpose(x!, dim0, dim1), shape),
  concat: (xs, { dim }) => concat(xs, dim),
  slice: ([x], { dim, start, end }) => slice(x!, dim, start, end),
  repeat_interleave: ([x], { repeats, dim }) => repeatInterleave(x!, repeats, dim),
  expand: ([x], { shape }) => expand(x!, shape),
  masked_fill: ([x, mask], { value }) => maskedFill(x!, mask!, value),
  where: ([cond, a, b]) => where(cond!, a!, b!),
  clamp: ([x], { min, max: hi }) => clamp(x!, min, hi),
};

async function expectClose(got: Tensor, want: JsonTensor, what: string): Promise<void> {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  const values = await got.data();
  const expected = want.data.map(Number);
  const scale = Math.max(1, ...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(values[i]! - expected[i]!));
  expect(worst, `${what}: max abs error ${worst} (scale ${scale})`).toBeLessThanOrEqual(1e-5 * scale);
}

describe('ops.json parity with PyTorch', () => {
  it('has all 62 cases and an op for each', () => {
    expect(fixture.cases).toHaveLength(62);
    for (const c of fixture.cases) expect(ops[c.op], c.op).toBeDefined();
  });

  for (const c of fixture.cases) {
    it(c.name, async () => {
      const op = ops[c.op]!;
      const inputs = c.inputs.map(toTensor);
      const output = op(inputs, c.attrs);
      await expectClose(output, c.output, 'output');
      if (c.extra_outputs) {
        const indices = argmax(inputs[0]!, c.attrs.dim as number, c.attrs.keepdim as boolean);
        expect(Array.from(await indices.data())).toEqual(c.extra_outputs.indices.data);
      }
      if (c.grads && c.upstream) {
        const upstream = toTensor(c.upstream);
        const floatIdx = c.inputs.flatMap((t, i) => (t.dtype === 'float32' ? [i] : []));
        const f = (...xs: Tensor[]) => {
          const all = inputs.slice();
          floatIdx.forEach((i, j) => (all[i] = xs[j]!));
          return sum(mul(op(all, c.attrs), upstream));
        };
        const { grads } = valueAndGrad(f)(...floatIdx.map((i) => inputs[i]!));
        for (const [j, i] of floatIdx.entries()) {
          const name = c.inputs[i]!.name;
          await expectClose(grads[j]!, c.grads[name]!, `grad ${name}`);
        }
      }
    });
  }
});
