/**
 * Cases for the elementwise kernels: unary, binary (with broadcasting and strided operands),
 * comparisons, Where, PowScalar, Clamp and Cast. These also run in float16/bfloat16 storage.
 */
import {
  abs, add, cast, clamp, div, eq, erf, exp, expand, ge, gt, kernels, le, log, lt, maskedFill, maximum, minimum, mul, ne, neg,
  pow, relu, rsqrt, sigmoid, sign, slice, sqrt, sub, tanh, transpose, where, type Tensor,
} from '@tessera/tensor';
import { ALL_FLOAT_DTYPES, type ConformanceCase } from '../case.js';
import { apart, awayFrom, ints, mask, nonzero, normal, positive, smallIntegers } from './inputs.js';

const K = kernels;
const half = { dtypes: ALL_FLOAT_DTYPES };

export const unaryCases: ConformanceCase[] = [
  { name: 'neg', kernel: K.Neg.name, inputs: () => [normal([3, 4], 1)], run: (x) => neg(x), ...half },
  { name: 'neg of a transposed view', kernel: K.Neg.name, inputs: () => [normal([4, 3], 2)], run: (x) => neg(transpose(x)), ...half },
  { name: 'abs', kernel: K.Abs.name, inputs: () => [nonzero([2, 3, 4], 3)], run: (x) => abs(x), domain: '|x| >= 0.1 (kink at 0)', ...half },
  { name: 'sign', kernel: K.Sign.name, inputs: () => [nonzero([3, 5], 4)], run: (x) => sign(x), ...half },
  { name: 'exp', kernel: K.Exp.name, inputs: () => [normal([3, 4], 5)], run: (x) => exp(x), ...half },
  { name: 'exp of a sliced view', kernel: K.Exp.name, inputs: () => [normal([4, 6], 6)], run: (x) => exp(slice(x, 1, 1, 5)), ...half },
  { name: 'log', kernel: K.Log.name, inputs: () => [positive([3, 4], 7)], run: (x) => log(x), domain: 'x in [0.5, 2)', ...half },
  { name: 'sqrt', kernel: K.Sqrt.name, inputs: () => [positive([3, 4], 8)], run: (x) => sqrt(x), domain: 'x in [0.5, 2)', ...half },
  { name: 'rsqrt', kernel: K.Rsqrt.name, inputs: () => [positive([3, 4], 9)], run: (x) => rsqrt(x), domain: 'x in [0.5, 2)', ...half },
  {
    name: 'rsqrt of a transposed slice', kernel: K.Rsqrt.name, inputs: () => [positive([5, 3], 10)],
    run: (x) => rsqrt(transpose(slice(x, 0, 1, 4))), domain: 'x in [0.5, 2)', ...half,
  },
  { name: 'tanh', kernel: K.Tanh.name, inputs: () => [normal([3, 4], 11)], run: (x) => tanh(x), ...half },
  { name: 'sigmoid', kernel: K.Sigmoid.name, inputs: () => [normal([3, 4], 12, 3)], run: (x) => sigmoid(x), ...half },
  { name: 'relu', kernel: K.Relu.name, inputs: () => [nonzero([3, 4], 13)], run: (x) => relu(x), domain: '|x| >= 0.1 (kink at 0)', ...half },
  {
    name: 'relu of a transposed view', kernel: K.Relu.name, inputs: () => [nonzero([2, 3, 4], 14)],
    run: (x) => relu(transpose(x, 0, 2)), domain: '|x| >= 0.1', ...half,
  },
  { name: 'erf', kernel: K.Erf.name, inputs: () => [normal([3, 4], 15)], run: (x) => erf(x), ...half },
  { name: 'neg int32', kernel: K.Neg.name, inputs: () => [ints([3, 4], 16, -50, 50)], run: (x) => neg(x), dtypes: ['int32'], differentiable: false },
  { name: 'abs int32', kernel: K.Abs.name, inputs: () => [ints([3, 4], 17, -50, 50)], run: (x) => abs(x), dtypes: ['int32'], differentiable: false },
  { name: 'relu int32', kernel: K.Relu.name, inputs: () => [ints([3, 4], 18, -50, 50)], run: (x) => relu(x), dtypes: ['int32'], differentiable: false },
  { name: 'sign int32', kernel: K.Sign.name, inputs: () => [ints([3, 4], 19, -2, 2)], run: (x) => sign(x), dtypes: ['int32'] },
];

export const binaryCases: ConformanceCase[] = [
  { name: 'add', kernel: K.Add.name, inputs: () => [normal([3, 4], 20), normal([3, 4], 21)], run: (a, b) => add(a, b), ...half },
  {
    name: 'add broadcast [2,3,4] + [4] (stride-0 view)', kernel: K.Add.name, inputs: () => [normal([2, 3, 4], 22), normal([4], 23)],
    run: (a, b) => add(a, b), ...half,
  },
  { name: 'add a scalar', kernel: K.Add.name, inputs: () => [normal([3, 4], 24)], run: (x) => add(x, 1.5), ...half },
  {
    name: 'sub broadcast [2,1,4] - [3,1]', kernel: K.Sub.name, inputs: () => [normal([2, 1, 4], 25), normal([3, 1], 26)],
    run: (a, b) => sub(a, b), ...half,
  },
  { name: 'sub from a scalar', kernel: K.Sub.name, inputs: () => [normal([3, 4], 27)], run: (x) => sub(1, x), ...half },
  {
    name: 'mul with a transposed operand', kernel: K.Mul.name, inputs: () => [normal([3, 4], 28), normal([4, 3], 29)],
    run: (a, b) => mul(a, transpose(b)), ...half,
  },
  { name: 'mul of an input by itself', kernel: K.Mul.name, inputs: () => [normal([3, 4], 30)], run: (x) => mul(x, x), domain: 'gradients of a twice-used tensor accumulate', ...half },
  {
    name: 'div broadcast by a column', kernel: K.Div.name, inputs: () => [normal([3, 4], 31), positive([3, 1], 32)],
    run: (a, b) => div(a, b), domain: 'divisor in [0.5, 2)', ...half,
  },
  {
    name: 'maximum', kernel: K.Maximum.name, inputs: () => apart([3, 4], 33), run: (a, b) => maximum(a, b),
    domain: '|a - b| >= 0.2 (no ties)', ...half,
  },
  {
    name: 'maximum with a transposed operand', kernel: K.Maximum.name, inputs: () => { const [a, b] = apart([4, 3], 34); return [a, b]; },
    run: (a, b) => maximum(transpose(a), transpose(b)), domain: '|a - b| >= 0.2', ...half,
  },
  { name: 'minimum', kernel: K.Minimum.name, inputs: () => apart([3, 4], 35), run: (a, b) => minimum(a, b), domain: '|a - b| >= 0.2', ...half },
  {
    name: 'minimum with a scalar', kernel: K.Minimum.name, inputs: () => [awayFrom([3, 4], 36, [0.25], 0.1)],
    run: (x) => minimum(x, 0.25), domain: '|x - 0.25| >= 0.1', ...half,
  },
  {
    name: 'add int32 broadcast', kernel: K.Add.name, inputs: () => [ints([2, 3], 37, -100, 100), ints([3], 38, -100, 100)],
    run: (a, b) => add(a, b), dtypes: ['int32'], differentiable: false,
  },
  {
    name: 'mul and sub int32', kernel: K.Mul.name, inputs: () => [ints([2, 3], 39, -100, 100), ints([2, 3], 40, -100, 100)],
    run: (a, b) => sub(mul(a, b), a), dtypes: ['int32'], differentiable: false,
  },
  {
    name: 'maximum int32', kernel: K.Maximum.name, inputs: () => [ints([2, 3], 41, -5, 5), ints([2, 3], 42, -5, 5)],
    run: (a, b) => maximum(a, b), dtypes: ['int32'], differentiable: false,
  },
];

const pair = (seed: number) => (): Tensor[] => [smallIntegers([3, 4], seed), smallIntegers([3, 4], seed + 1)];
const compareDomain = 'small integers stored as floats: many ties, exact in every dtype';

export const comparisonCases: ConformanceCase[] = [
  { name: 'eq', kernel: K.Equal.name, inputs: pair(50), run: (a, b) => eq(a, b), domain: compareDomain, ...half },
  { name: 'ne', kernel: K.NotEqual.name, inputs: pair(52), run: (a, b) => ne(a, b), domain: compareDomain, ...half },
  { name: 'lt', kernel: K.Less.name, inputs: pair(54), run: (a, b) => lt(a, b), domain: compareDomain, ...half },
  { name: 'le with a transposed operand', kernel: K.LessEqual.name, inputs: pair(56), run: (a, b) => le(a, transpose(transpose(b))), domain: compareDomain, ...half },
  { name: 'gt against a scalar', kernel: K.Greater.name, inputs: () => [smallIntegers([3, 4], 58)], run: (x) => gt(x, 0), domain: compareDomain, ...half },
  {
    name: 'ge broadcast', kernel: K.GreaterEqual.name, inputs: () => [smallIntegers([2, 3, 4], 59), smallIntegers([4], 60)],
    run: (a, b) => ge(a, b), domain: compareDomain, ...half,
  },
  { name: 'eq int32', kernel: K.Equal.name, inputs: () => [ints([3, 4], 61, 0, 2), ints([3, 4], 62, 0, 2)], run: (a, b) => eq(a, b), dtypes: ['int32'] },
  { name: 'lt int32', kernel: K.Less.name, inputs: () => [ints([3, 4], 63, 0, 2), ints([3, 4], 64, 0, 2)], run: (a, b) => lt(a, b), dtypes: ['int32'] },
];

export const selectCases: ConformanceCase[] = [
  {
    name: 'where', kernel: K.Where.name, inputs: () => [mask([3, 4], 70), normal([3, 4], 71), normal([3, 4], 72)],
    run: (c, a, b) => where(c, a, b), ...half,
  },
  {
    name: 'where broadcast (condition [3,1], a [4], b [2,3,4])', kernel: K.Where.name,
    inputs: () => [mask([3, 1], 73), normal([4], 74), normal([2, 3, 4], 75)], run: (c, a, b) => where(c, a, b), ...half,
  },
  {
    name: 'where against a scalar', kernel: K.Where.name, inputs: () => [mask([3, 4], 76), normal([3, 4], 77)],
    run: (c, x) => where(c, x, 0), ...half,
  },
  {
    name: 'maskedFill with a large negative value', kernel: K.Where.name, inputs: () => [normal([2, 4, 4], 78), mask([4, 4], 79)],
    run: (x, m) => maskedFill(x, m, -1e4), ...half,
    domain: 'the -1e4 entries make float64 differences noisy at eps 1e-6; the map is linear, so a wide step is exact',
    gradCheck: { eps: 1e-2 },
  },
  {
    name: 'where int32', kernel: K.Where.name, inputs: () => [mask([3, 4], 80), ints([3, 4], 81, -9, 9), ints([3, 4], 82, -9, 9)],
    run: (c, a, b) => where(c, a, b), dtypes: ['int32'], differentiable: false,
  },
];

export const powClampCases: ConformanceCase[] = [
  { name: 'pow 2', kernel: K.PowScalar.name, inputs: () => [normal([3, 4], 90)], run: (x) => pow(x, 2), ...half },
  { name: 'pow 3 of a transposed view', kernel: K.PowScalar.name, inputs: () => [normal([4, 3], 91)], run: (x) => pow(transpose(x), 3), ...half },
  { name: 'pow 0.5', kernel: K.PowScalar.name, inputs: () => [positive([3, 4], 92)], run: (x) => pow(x, 0.5), domain: 'x in [0.5, 2)', ...half },
  { name: 'pow -1.5', kernel: K.PowScalar.name, inputs: () => [positive([3, 4], 93)], run: (x) => pow(x, -1.5), domain: 'x in [0.5, 2)', ...half },
  {
    name: 'clamp both sides', kernel: K.Clamp.name, inputs: () => [awayFrom([3, 5], 94, [-0.5, 0.5])],
    run: (x) => clamp(x, -0.5, 0.5), domain: 'at least 0.1 from the bounds', ...half,
  },
  {
    name: 'clamp min only, transposed', kernel: K.Clamp.name, inputs: () => [awayFrom([5, 3], 95, [-0.2])],
    run: (x) => clamp(transpose(x), -0.2), domain: 'at least 0.1 from the bound', ...half,
  },
  { name: 'clamp max only', kernel: K.Clamp.name, inputs: () => [awayFrom([3, 5], 96, [0.3])], run: (x) => clamp(x, null, 0.3), domain: 'at least 0.1 from the bound', ...half },
  {
    name: 'clamp int32', kernel: K.Clamp.name, inputs: () => [ints([3, 4], 97, -20, 20)], run: (x) => clamp(x, -5, 7),
    dtypes: ['int32'], differentiable: false,
  },
];

export const castCases: ConformanceCase[] = [
  {
    name: 'cast between float dtypes', kernel: K.Cast.name, inputs: () => [normal([3, 4], 100)],
    run: (x) => cast(x, x.dtype === 'float64' ? 'float32' : 'float64'),
    domain: 'float64 -> float32 rounds, so the float64 check uses a wide step on this linear map',
    gradCheck: { eps: 1e-2, tolerance: 1e-5 }, ...half,
  },
  {
    name: 'cast a transposed view to float16', kernel: K.Cast.name, inputs: () => [normal([4, 3], 101)],
    run: (x) => cast(transpose(x), x.dtype === 'float16' ? 'float32' : 'float16'), dtypes: ['float32', 'float64', 'float16'],
    differentiable: false, domain: 'gradients through float16 rounding are not finite-differenced',
  },
  {
    name: 'cast float to int32 (truncates)', kernel: K.Cast.name, inputs: () => [awayFrom([3, 4], 102, [-3, -2, -1, 0, 1, 2, 3], 0.05)],
    run: (x) => cast(x, 'int32'), differentiable: false, domain: 'away from integers', ...half,
  },
  { name: 'cast int32 to float32', kernel: K.Cast.name, inputs: () => [ints([3, 4], 103, -1000, 1000)], run: (x) => cast(x, 'float32'), dtypes: ['int32'], differentiable: false },
  { name: 'cast bool to float32', kernel: K.Cast.name, inputs: () => [mask([3, 4], 104)], run: (x) => cast(x, 'float32'), dtypes: ['int32'], differentiable: false },
  { name: 'cast float to bool', kernel: K.Cast.name, inputs: () => [smallIntegers([3, 4], 105, -1, 1)], run: (x) => cast(x, 'bool'), differentiable: false, ...half },
];

export const elementwiseCases: ConformanceCase[] = [
  ...unaryCases, ...binaryCases, ...comparisonCases, ...selectCases, ...powClampCases, ...castCases,
];
