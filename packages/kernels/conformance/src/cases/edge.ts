/**
 * Edge cases across kernels: rank-0 and empty tensors, -inf entries, all-ignored targets,
 * constant rows, and sizes that cross the blocking of a tiled matmul or a long reduction.
 */
import {
  add, concat, crossEntropy, embedding, exp, expand, kernels, logSoftmax, matmul, maskedFill, max, reshape, runKernel, slice, sum, tensor, zeros,
  type Tensor,
} from '@tessera/tensor';
import { ALL_FLOAT_DTYPES, compositeCase, kernelCall, type ConformanceCase } from '../case.js';
import { idList, mask, normal, uniform } from './inputs.js';

const K = kernels;
const half = { dtypes: ALL_FLOAT_DTYPES };

/** A causal mask [n, n]: true above the diagonal (every row keeps at least one entry). */
function causalMask(n: number): Tensor {
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) values[i * n + j] = 1;
  return tensor(values, [n, n], 'bool');
}

/** Row `row` of an [n, m] mask set (a fully masked row). */
function rowMask(n: number, m: number, row: number): Tensor {
  const values = new Float64Array(n * m);
  values.fill(1, row * m, (row + 1) * m);
  return tensor(values, [n, m], 'bool');
}

/**
 * Contiguous views with a non-zero offset (a slice along the first axis): kernels that take
 * contiguous inputs receive them without a copy and must honour `offset`.
 */
export const offsetCases: ConformanceCase[] = [
  compositeCase({
    name: 'softmax of rows 1..3 (offset view)', def: K.Softmax, attrs: { axis: 1 }, inputs: () => [normal([4, 5], 620, 2)],
    prepare: (x) => [slice(x, 0, 1, 3)],
  }),
  compositeCase({
    name: 'logSoftmax of an offset view', def: K.LogSoftmax, attrs: { axis: 1 }, inputs: () => [normal([4, 5], 621, 2)],
    prepare: (x) => [slice(x, 0, 2)],
  }),
  compositeCase({
    name: 'layerNorm of offset views (x, weight and bias)', def: K.LayerNorm, attrs: { eps: 1e-5 },
    inputs: () => [normal([5, 4], 622), uniform([3, 4], 623, 0.5, 1.5), normal([3, 4], 624)],
    prepare: (x, w, b) => [slice(x, 0, 2, 5), reshape(slice(w, 0, 1, 2), [4]), reshape(slice(b, 0, 2, 3), [4])],
  }),
  compositeCase({
    name: 'crossEntropy of offset logits and targets', def: K.CrossEntropy, attrs: { ignoreIndex: -100 },
    inputs: () => [normal([6, 4], 625, 2), idList([0, 3, 1, -100, 2, 2], [6])],
    prepare: (x, t) => [slice(x, 0, 2, 6), slice(t, 0, 2, 6)],
  }),
  compositeCase({
    name: 'gelu tanh of an offset view', def: K.Gelu, attrs: { approximate: 'tanh' }, inputs: () => [normal([4, 3], 626, 2)],
    prepare: (x) => [slice(x, 0, 1)],
  }),
  {
    name: 'embedding of offset table rows and ids', kernel: K.Gather.name, inputs: () => [normal([7, 3], 627), idList([9, 9, 0, 4, 1, 4], [6])],
    run: (w, ids) => embedding(slice(w, 0, 2), slice(ids, 0, 2)), domain: 'ids 9 sit in the sliced-off prefix',
  },
  {
    name: 'scatterAdd of offset dy and ids', kernel: K.ScatterAdd.name, inputs: () => [normal([5, 2], 628), idList([7, 0, 2, 0, 1], [5])],
    run: (dy, ids) => runKernel(K.ScatterAdd, [slice(dy, 0, 1), slice(ids, 0, 1)], { rows: 3 })[0]!, domain: 'id 7 sits in the sliced-off prefix',
  },
  {
    name: 'reshape of an offset view stays a view', kernel: K.Reshape.name, inputs: () => [normal([2, 3, 4], 629)],
    run: (x) => reshape(slice(x, 2, 1, 3), [6, 2]), ...half,
  },
  { name: 'sum of a bool mask', kernel: K.Sum.name, inputs: () => [mask([3, 5], 630)], run: (m) => sum(m, 1), dtypes: ['int32'], differentiable: false },
];

export const edgeCases: ConformanceCase[] = [
  ...offsetCases,
  {
    name: 'logsumexp of a row that is entirely -inf', kernel: K.LogSumExp.name, inputs: () => [normal([3, 4], 631)],
    run: (x) => runKernel(K.LogSumExp, [maskedFill(x, rowMask(3, 4, 1), -Infinity)], { axes: [1] })[0]!,
    call: (x) => kernelCall(K.LogSumExp, [maskedFill(x, rowMask(3, 4, 1), -Infinity)], { axes: [1] }),
    differentiable: false, domain: 'the masked row gives -inf (as torch.logsumexp); its gradient is NaN',
  },
  { name: 'exp of a rank-0 tensor', kernel: K.Exp.name, inputs: () => [normal([], 600)], run: (x) => exp(x), ...half },
  { name: 'add a rank-0 tensor to a matrix', kernel: K.Add.name, inputs: () => [normal([3, 4], 601), normal([], 602)], run: (a, b) => add(a, b), ...half },
  { name: 'expand a rank-0 tensor', kernel: K.Expand.name, inputs: () => [normal([], 603)], run: (x) => expand(x, [2, 3]), ...half },
  {
    name: 'sum over an empty axis', kernel: K.Sum.name, inputs: () => [zeros([3, 0], 'float64')], run: (x) => sum(x, 1),
    differentiable: false, domain: 'no elements to differentiate', ...half,
  },
  {
    name: 'matmul with an empty inner dimension', kernel: K.Matmul.name, inputs: () => [zeros([3, 0], 'float64'), zeros([0, 4], 'float64')],
    run: (a, b) => matmul(a, b), differentiable: false, domain: 'the result is zeros; no elements to differentiate', ...half,
  },
  {
    name: 'concat with an empty piece', kernel: K.Concat.name, inputs: () => [normal([2, 3], 604), zeros([2, 0], 'float64'), normal([2, 1], 605)],
    run: (a, b, c) => concat([a, b, c], 1), ...half,
  },
  { name: 'embedding of a rank-0 id', kernel: K.Gather.name, inputs: () => [normal([4, 3], 606), idList([2], [])], run: (w, id) => embedding(w, id) },
  compositeCase({
    name: 'softmax with -inf (causally masked) entries', def: K.Softmax, attrs: { axis: 2 }, inputs: () => [normal([2, 4, 4], 607, 2)],
    prepare: (x) => [maskedFill(x, causalMask(4), -Infinity)], domain: 'every row keeps at least one finite entry',
  }),
  compositeCase({
    name: 'logSoftmax with -inf entries', def: K.LogSoftmax, attrs: { axis: 1 }, inputs: () => [normal([4, 4], 608, 2)],
    prepare: (x) => [maskedFill(x, causalMask(4), -Infinity)], differentiable: false,
    domain: 'masked outputs are -inf, so sum(y * U) is infinite; the next case checks the gradient',
  }),
  {
    name: 'logSoftmax with -inf entries, masked outputs zeroed', kernel: K.LogSoftmax.name, inputs: () => [normal([4, 4], 608, 2)],
    run: (x) => maskedFill(logSoftmax(maskedFill(x, causalMask(4), -Infinity), 1), causalMask(4), 0),
  },
  compositeCase({
    name: 'layerNorm of a constant row', def: K.LayerNorm, attrs: { eps: 1e-5 },
    inputs: () => [tensor(new Float64Array([0.7, 0.7, 0.7, 0.7, -1, 0.5, 2, 0.25]), [2, 4], 'float64'), normal([4], 609), normal([4], 610)],
    domain: 'row 0 has zero variance: only eps keeps rstd finite',
  }),
  {
    name: 'crossEntropy with every target ignored is NaN', kernel: K.CrossEntropy.name,
    inputs: () => [normal([3, 4], 611), idList([-100, -100, -100], [3])], run: (x, t) => crossEntropy(x, t),
    differentiable: false, domain: '0/0 as in PyTorch',
  },
  {
    name: 'matmul crossing gemm blocks [67,260] @ [260,70]', kernel: K.Matmul.name,
    inputs: () => [normal([67, 260], 612), normal([260, 70], 613)], run: (a, b) => matmul(a, b),
    domain: 'M, K, N past typical MC=64, KC=256 and not multiples of 4-wide register tiles',
    gradCheck: { maxElementsPerInput: 24 }, ...half,
  },
  {
    name: 'sum and max over 2048 elements', kernel: K.Sum.name, inputs: () => [normal([3, 2048], 614)],
    run: (x) => add(sum(x, 1), max(x, 1)), domain: 'a long reduction (max of 2048 normals has no ties in float64)',
    gradCheck: { maxElementsPerInput: 24 },
  },
];
