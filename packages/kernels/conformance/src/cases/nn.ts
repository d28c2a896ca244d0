/**
 * Cases for the neural-network kernels: Softmax, LogSoftmax, Gelu (both approximations),
 * LayerNorm (with and without bias), CrossEntropy (with ignored targets), their backward kernels
 * (GeluBackward, LayerNormBackward, CrossEntropyBackward), Gather and its adjoint ScatterAdd. The composite ones apply the kernel directly so the decomposition test can
 * compare it with `decompose`.
 */
import { concat, crossEntropy, embedding, kernels, matmul, reshape, runKernel, scalar, slice, transpose, type KernelDef, type Tensor } from '@tessera/tensor';
import { compositeCase, kernelCall, type ConformanceCase } from '../case.js';
import { idList, normal, uniform } from './inputs.js';

const K = kernels;

export const softmaxCases: ConformanceCase[] = [
  compositeCase({ name: 'softmax over the last axis', def: K.Softmax, attrs: { axis: 1 }, inputs: () => [normal([3, 5], 500, 2)] }),
  compositeCase({
    name: 'softmax over axis 0 of a transposed 3-D view', def: K.Softmax, attrs: { axis: 0 }, inputs: () => [normal([2, 3, 4], 501, 2)],
    prepare: (x) => [transpose(x, 0, 2)],
  }),
  compositeCase({
    name: 'softmax of large logits', def: K.Softmax, attrs: { axis: 1 }, inputs: () => [uniform([2, 6], 502, 80, 90)],
    domain: 'values near 85: exp overflows float16 and must be shifted by the max',
  }),
  compositeCase({ name: 'logSoftmax over the last axis', def: K.LogSoftmax, attrs: { axis: 2 }, inputs: () => [normal([2, 3, 5], 503, 2)] }),
  compositeCase({
    name: 'logSoftmax over axis 1 of a transposed view', def: K.LogSoftmax, attrs: { axis: 1 }, inputs: () => [normal([5, 3], 504, 2)],
    prepare: (x) => [transpose(x)],
  }),
];

export const geluCases: ConformanceCase[] = [
  compositeCase({ name: 'gelu exact (erf)', def: K.Gelu, attrs: { approximate: 'none' }, inputs: () => [normal([3, 5], 510, 2)] }),
  compositeCase({ name: 'gelu tanh approximation', def: K.Gelu, attrs: { approximate: 'tanh' }, inputs: () => [normal([3, 5], 511, 2)] }),
  compositeCase({
    name: 'gelu exact of a transposed view', def: K.Gelu, attrs: { approximate: 'none' }, inputs: () => [normal([5, 3], 512, 2)],
    prepare: (x) => [transpose(x)],
  }),
];

export const layerNormCases: ConformanceCase[] = [
  compositeCase({
    name: 'layerNorm weight only (MPT)', def: K.LayerNorm, attrs: { eps: 1e-5 },
    inputs: () => [normal([2, 3, 6], 520), uniform([6], 521, 0.5, 1.5)],
  }),
  compositeCase({
    name: 'layerNorm with bias', def: K.LayerNorm, attrs: { eps: 1e-5 },
    inputs: () => [normal([4, 6], 522, 2), uniform([6], 523, 0.5, 1.5), normal([6], 524)],
  }),
  compositeCase({
    name: 'layerNorm over two trailing dims of a transposed view', def: K.LayerNorm, attrs: { eps: 1e-3 },
    inputs: () => [normal([2, 4, 3], 525), uniform([3, 4], 526, 0.5, 1.5), normal([3, 4], 527)],
    prepare: (x, w, b) => [transpose(x), w!, b!],
  }),
];

export const crossEntropyCases: ConformanceCase[] = [
  compositeCase({
    name: 'crossEntropy', def: K.CrossEntropy, attrs: { ignoreIndex: -100 },
    inputs: () => [normal([6, 5], 530, 2), idList([0, 4, 2, 2, 1, 3], [6])],
  }),
  compositeCase({
    name: 'crossEntropy with ignored targets (-100)', def: K.CrossEntropy, attrs: { ignoreIndex: -100 },
    inputs: () => [normal([2, 3, 5], 531, 2), idList([1, -100, 4, 0, -100, 2], [2, 3])],
  }),
  compositeCase({
    name: 'crossEntropy ignoring a class id (ignoreIndex 2)', def: K.CrossEntropy, attrs: { ignoreIndex: 2 },
    inputs: () => [normal([5, 4], 532, 2), idList([2, 0, 3, 2, 1], [5])],
  }),
  {
    name: 'crossEntropy of a transposed view through the op', kernel: K.CrossEntropy.name,
    inputs: () => [normal([5, 4], 533, 2), idList([1, 3, 0, 2], [4])], run: (x, t) => crossEntropy(transpose(x), t),
  },
];

export const gatherCases: ConformanceCase[] = [
  {
    name: 'embedding with repeated ids', kernel: K.Gather.name, inputs: () => [normal([6, 4], 540), idList([5, 0, 2, 2, 5, 1], [2, 3])],
    run: (w, ids) => embedding(w, ids), domain: 'ids repeat: the gradient (ScatterAdd) accumulates',
  },
  {
    name: 'embedding of a transposed table', kernel: K.Gather.name, inputs: () => [normal([4, 6], 541), idList([3, 3, 0, 5], [4])],
    run: (w, ids) => embedding(transpose(w), ids),
  },
  {
    name: 'embedding with a tied output projection', kernel: K.Gather.name, inputs: () => [normal([5, 3], 542), idList([4, 1, 1], [3])],
    run: (w, ids) => matmul(embedding(w, ids), transpose(w)), domain: 'the table is used twice (lookup and logits): gradients add',
  },
  {
    name: 'scatterAdd (embedding gradient)', kernel: K.ScatterAdd.name, inputs: () => [normal([2, 3, 4], 543), idList([1, 0, 1, 4, 1, 0], [2, 3])],
    run: (dy, ids) => runKernel(K.ScatterAdd, [dy, ids], { rows: 6 })[0]!, domain: 'row 1 receives three updates; rows 2, 3, 5 none',
  },
];

/**
 * A case for a kernel with several outputs: `run` returns them flattened and concatenated, so the
 * suite compares every output with the reference; the decomposition test compares each.
 */
function multiOutputCase<A>(spec: { name: string; def: KernelDef<A>; attrs: A; inputs: () => Tensor[]; prepare?: (...xs: Tensor[]) => Tensor[] }): ConformanceCase {
  const call = (...xs: Tensor[]) => kernelCall(spec.def, spec.prepare ? spec.prepare(...xs) : xs, spec.attrs);
  return {
    name: spec.name, kernel: spec.def.name, inputs: spec.inputs, call,
    run: (...xs) => concat(call(...xs).fused().map((t) => reshape(t, [-1])), 0),
  };
}

/** Backward kernels of Gelu, LayerNorm and CrossEntropy (not differentiable: no gradient check). */
export const backwardCases: ConformanceCase[] = [
  compositeCase({ name: 'geluBackward exact (erf)', def: K.GeluBackward, attrs: { approximate: 'none' }, inputs: () => [normal([3, 37], 550), normal([3, 37], 551, 2)] }),
  compositeCase({ name: 'geluBackward tanh approximation', def: K.GeluBackward, attrs: { approximate: 'tanh' }, inputs: () => [normal([3, 37], 552), normal([3, 37], 553, 2)] }),
  compositeCase({
    name: 'geluBackward tanh of transposed and offset views', def: K.GeluBackward, attrs: { approximate: 'tanh' },
    inputs: () => [normal([5, 3], 554), normal([6, 3], 555, 2)], prepare: (dy, x) => [transpose(dy!), transpose(slice(x!, 0, 1))],
  }),
  multiOutputCase({
    name: 'layerNormBackward weight only (MPT)', def: K.LayerNormBackward, attrs: { eps: 1e-5, bias: false },
    inputs: () => [normal([2, 3, 19], 556), normal([2, 3, 19], 557, 2), uniform([19], 558, 0.5, 1.5)],
  }),
  multiOutputCase({
    name: 'layerNormBackward with bias', def: K.LayerNormBackward, attrs: { eps: 1e-5, bias: true },
    inputs: () => [normal([5, 12], 559), normal([5, 12], 560, 2), uniform([12], 561, 0.5, 1.5)],
  }),
  multiOutputCase({
    name: 'layerNormBackward over two trailing dims of offset and transposed views', def: K.LayerNormBackward, attrs: { eps: 1e-3, bias: true },
    inputs: () => [normal([3, 3, 4], 562), normal([2, 4, 3], 563), uniform([3, 4], 564, 0.5, 1.5)],
    prepare: (dy, x, w) => [slice(dy!, 0, 1), transpose(x!, 1, 2), w!],
  }),
  compositeCase({
    name: 'crossEntropyBackward with ignored targets (-100)', def: K.CrossEntropyBackward, attrs: { ignoreIndex: -100 },
    inputs: () => [normal([2, 3, 21], 565, 2), idList([1, -100, 20, 0, -100, 2], [2, 3])], prepare: (l, t) => [l!, t!, scalar(0.75, l!.dtype)],
  }),
  compositeCase({
    name: 'crossEntropyBackward ignoring a class id, offset logits', def: K.CrossEntropyBackward, attrs: { ignoreIndex: 2 },
    inputs: () => [normal([6, 4], 566, 2), idList([2, 0, 3, 2, 1], [5])], prepare: (l, t) => [slice(l!, 0, 1), t!, scalar(1, l!.dtype)],
  }),
];

export const nnCases: ConformanceCase[] = [...softmaxCases, ...geluCases, ...layerNormCases, ...crossEntropyCases, ...backwardCases, ...gatherCases];
