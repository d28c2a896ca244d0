/**
 * Cases for the view kernels (Reshape, Permute, Slice, Expand, Alias), Copy and Concat. Views
 * never reach a backend but their results feed every kernel, and their gradient rules are
 * checked like any other. These run in half storage too (Copy and Concat move raw half bits).
 */
import {
  chunk, concat, contiguous, expand, flatten, kernels, mul, permute, repeatInterleave, reshape, runKernel, slice, split,
  squeeze, stack, transpose, unsqueeze,
} from '@tessera/tensor';
import { ALL_FLOAT_DTYPES, type ConformanceCase } from '../case.js';
import { normal } from './inputs.js';

const K = kernels;
const half = { dtypes: ALL_FLOAT_DTYPES };

export const viewCases: ConformanceCase[] = [
  { name: 'reshape [2,3,4] -> [4,6]', kernel: K.Reshape.name, inputs: () => [normal([2, 3, 4], 300)], run: (x) => reshape(x, [4, -1]), ...half },
  { name: 'reshape of a transposed view (copies first)', kernel: K.Reshape.name, inputs: () => [normal([3, 4], 301)], run: (x) => reshape(transpose(x), [12]), ...half },
  { name: 'squeeze, unsqueeze and flatten', kernel: K.Reshape.name, inputs: () => [normal([2, 1, 3], 302)], run: (x) => flatten(unsqueeze(squeeze(x, 1), 0)), ...half },
  { name: 'permute [2,0,1]', kernel: K.Permute.name, inputs: () => [normal([2, 3, 4], 303)], run: (x) => permute(x, [2, 0, 1]), ...half },
  { name: 'transpose of a transpose', kernel: K.Permute.name, inputs: () => [normal([3, 4], 304)], run: (x) => mul(transpose(transpose(x)), 2), ...half },
  { name: 'slice the middle of axis 1', kernel: K.Slice.name, inputs: () => [normal([2, 5, 3], 305)], run: (x) => slice(x, 1, 1, 4), ...half },
  { name: 'slice with negative bounds of a transposed view', kernel: K.Slice.name, inputs: () => [normal([4, 5], 306)], run: (x) => slice(transpose(x), -1, -3, -1), ...half },
  { name: 'split and re-join in reverse', kernel: K.Slice.name, inputs: () => [normal([6, 2], 307)], run: (x) => concat(split(x, [1, 2, 3], 0).reverse(), 0), ...half },
  { name: 'chunk (uneven) and pick the last', kernel: K.Slice.name, inputs: () => [normal([2, 7], 308)], run: (x) => chunk(x, 3, 1)[2]!, ...half },
  { name: 'expand [3,1] -> [2,3,4]', kernel: K.Expand.name, inputs: () => [normal([3, 1], 309)], run: (x) => expand(x, [2, 3, 4]), ...half },
  { name: 'repeatInterleave (expand, reshape copy)', kernel: K.Expand.name, inputs: () => [normal([2, 3], 310)], run: (x) => repeatInterleave(x, 2, 1), ...half },
  { name: 'alias', kernel: K.Alias.name, inputs: () => [normal([3, 4], 311)], run: (x) => runKernel(K.Alias, [x], {})[0]!, ...half },
];

export const copyCases: ConformanceCase[] = [
  { name: 'contiguous copy of a transposed view', kernel: K.Copy.name, inputs: () => [normal([3, 4], 320)], run: (x) => contiguous(transpose(x)), ...half },
  { name: 'contiguous copy of a sliced 3-D view', kernel: K.Copy.name, inputs: () => [normal([2, 4, 5], 321)], run: (x) => contiguous(slice(slice(x, 1, 1, 3), 2, 2)), ...half },
  { name: 'contiguous copy of an expanded view', kernel: K.Copy.name, inputs: () => [normal([1, 4], 322)], run: (x) => contiguous(expand(x, [3, 4])), ...half },
];

export const concatCases: ConformanceCase[] = [
  { name: 'concat two along axis 1', kernel: K.Concat.name, inputs: () => [normal([2, 3], 330), normal([2, 4], 331)], run: (a, b) => concat([a, b], 1), ...half },
  {
    name: 'concat three along axis 0 with strided inputs', kernel: K.Concat.name,
    inputs: () => [normal([1, 3], 332), normal([3, 2], 333), normal([2, 5], 334)],
    run: (a, b, c) => concat([a, transpose(b), slice(c, 1, 1, 4)], 0), ...half,
  },
  { name: 'stack along a new middle axis', kernel: K.Concat.name, inputs: () => [normal([2, 3], 335), normal([2, 3], 336)], run: (a, b) => stack([a, b], 1), ...half },
  { name: 'concat an input with itself', kernel: K.Concat.name, inputs: () => [normal([2, 3], 337)], run: (x) => concat([x, x], -1), ...half },
];

export const shapeCases: ConformanceCase[] = [...viewCases, ...copyCases, ...concatCases];
