/**
 * Cases for the reductions: Sum, Max, Min over one or several axes with and without keepDims,
 * on contiguous and strided inputs; ArgMax/ArgMin; LogSumExp (composite).
 */
import { argmax, argmin, kernels, logsumexp, max, mean, min, permute, slice, sum, transpose, variance } from '@tessera/tensor';
import { compositeCase, type ConformanceCase } from '../case.js';
import { distinct, ints, normal } from './inputs.js';

const K = kernels;
const noTies = 'distinct values (spacing 0.1): no ties, so the gradient is unambiguous';

export const reduceCases: ConformanceCase[] = [
  { name: 'sum of all elements', kernel: K.Sum.name, inputs: () => [normal([2, 3, 4], 200)], run: (x) => sum(x) },
  { name: 'sum over [0, 2] keepDims', kernel: K.Sum.name, inputs: () => [normal([2, 3, 4], 201)], run: (x) => sum(x, [0, 2], true) },
  { name: 'sum over the last axis of a transposed view', kernel: K.Sum.name, inputs: () => [normal([2, 3, 4], 202)], run: (x) => sum(transpose(x, 0, 2), -1) },
  { name: 'sum over axis 1 of a sliced view', kernel: K.Sum.name, inputs: () => [normal([3, 6], 203)], run: (x) => sum(slice(x, 1, 2, 5), 1, true) },
  { name: 'sum int32 over axis 0', kernel: K.Sum.name, inputs: () => [ints([4, 3], 204, -100, 100)], run: (x) => sum(x, 0), dtypes: ['int32'], differentiable: false },
  { name: 'mean over [1, 2] (Sum, Div)', kernel: K.Sum.name, inputs: () => [normal([2, 3, 4], 205)], run: (x) => mean(x, [1, 2]) },
  { name: 'variance over axis 0, unbiased (Sum, Sub, Mul, Div)', kernel: K.Sum.name, inputs: () => [normal([4, 3], 206)], run: (x) => variance(x, 0, true) },
  { name: 'max over axis 1 keepDims', kernel: K.Max.name, inputs: () => [distinct([2, 3, 4], 207)], run: (x) => max(x, 1, true), domain: noTies },
  { name: 'max of all elements', kernel: K.Max.name, inputs: () => [distinct([3, 4], 208)], run: (x) => max(x), domain: noTies },
  { name: 'max over [0, 2] of a permuted view', kernel: K.Max.name, inputs: () => [distinct([2, 3, 4], 209)], run: (x) => max(permute(x, [2, 0, 1]), [0, 2]), domain: noTies },
  { name: 'max int32 over axis 1', kernel: K.Max.name, inputs: () => [ints([3, 4], 210, -100, 100)], run: (x) => max(x, 1), dtypes: ['int32'], differentiable: false },
  { name: 'min over axis 0', kernel: K.Min.name, inputs: () => [distinct([4, 3], 211)], run: (x) => min(x, 0), domain: noTies },
  { name: 'min over [1, 2] keepDims of a transposed view', kernel: K.Min.name, inputs: () => [distinct([2, 4, 3], 212)], run: (x) => min(transpose(x), [1, 2], true), domain: noTies },
  { name: 'argmax over the last axis', kernel: K.ArgMax.name, inputs: () => [distinct([3, 5], 213)], run: (x) => argmax(x, -1), domain: noTies },
  { name: 'argmax over axis 0 keepDims of a transposed view', kernel: K.ArgMax.name, inputs: () => [distinct([3, 5], 214)], run: (x) => argmax(transpose(x), 0, true), domain: noTies },
  { name: 'argmax int32 with ties picks the first', kernel: K.ArgMax.name, inputs: () => [ints([4, 6], 215, 0, 2)], run: (x) => argmax(x, 1), dtypes: ['int32'] },
  { name: 'argmin over axis 1', kernel: K.ArgMin.name, inputs: () => [distinct([2, 4, 3], 216)], run: (x) => argmin(x, 1), domain: noTies },
  compositeCase({ name: 'logsumexp over the last axis', def: K.LogSumExp, attrs: { axes: [1] }, inputs: () => [normal([3, 5], 217, 2)] }),
  compositeCase({
    name: 'logsumexp over [0, 2] of a transposed view', def: K.LogSumExp, attrs: { axes: [0, 2] }, inputs: () => [normal([2, 4, 3], 218, 2)],
    prepare: (x) => [transpose(x)],
  }),
  { name: 'logsumexp keepDims of large values', kernel: K.LogSumExp.name, inputs: () => [normal([3, 4], 219, 30)], run: (x) => logsumexp(x, -1, true) },
];
