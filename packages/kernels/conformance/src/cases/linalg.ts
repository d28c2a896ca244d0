/**
 * Cases for Matmul: plain, batched, broadcast batch dims, transposed-view operands, vectors, a
 * shared right-hand matrix (folded into one product) and linear. These run in half storage too.
 */
import { expand, kernels, linear, matmul, slice, transpose } from '@tessera/tensor';
import { ALL_FLOAT_DTYPES, type ConformanceCase } from '../case.js';
import { normal } from './inputs.js';

const K = kernels;
const half = { dtypes: ALL_FLOAT_DTYPES };

export const matmulCases: ConformanceCase[] = [
  { name: 'matmul [3,4] @ [4,5]', kernel: K.Matmul.name, inputs: () => [normal([3, 4], 400), normal([4, 5], 401)], run: (a, b) => matmul(a, b), ...half },
  { name: 'matmul batched [2,3,4] @ [2,4,5]', kernel: K.Matmul.name, inputs: () => [normal([2, 3, 4], 402), normal([2, 4, 5], 403)], run: (a, b) => matmul(a, b), ...half },
  {
    name: 'matmul broadcast batch [2,1,3,4] @ [3,4,2]', kernel: K.Matmul.name, inputs: () => [normal([2, 1, 3, 4], 404), normal([3, 4, 2], 405)],
    run: (a, b) => matmul(a, b), ...half,
  },
  {
    name: 'matmul of transposed views A^T B^T', kernel: K.Matmul.name, inputs: () => [normal([4, 3], 406), normal([5, 4], 407)],
    run: (a, b) => matmul(transpose(a), transpose(b)), ...half,
  },
  {
    name: 'matmul batched with transposed and sliced operands', kernel: K.Matmul.name, inputs: () => [normal([2, 6, 3], 408), normal([2, 5, 6], 409)],
    run: (a, b) => matmul(transpose(slice(a, 1, 1, 5)), transpose(slice(b, 2, 0, 4))), ...half,
  },
  {
    name: 'matmul with an expanded (stride-0) batch operand', kernel: K.Matmul.name, inputs: () => [normal([3, 4], 410), normal([2, 4, 3], 411)],
    run: (a, b) => matmul(expand(a, [2, 3, 4]), b), ...half,
  },
  { name: 'matmul vector @ matrix', kernel: K.Matmul.name, inputs: () => [normal([4], 412), normal([4, 3], 413)], run: (a, b) => matmul(a, b), ...half },
  { name: 'matmul matrix @ vector', kernel: K.Matmul.name, inputs: () => [normal([3, 4], 414), normal([4], 415)], run: (a, b) => matmul(a, b), ...half },
  { name: 'matmul shared right-hand matrix [2,3,4] @ [4,5]', kernel: K.Matmul.name, inputs: () => [normal([2, 3, 4], 416), normal([4, 5], 417)], run: (a, b) => matmul(a, b), ...half },
  {
    name: 'matmul with larger tiles [9,17] @ [17,10]', kernel: K.Matmul.name, inputs: () => [normal([9, 17], 418), normal([17, 10], 419)],
    run: (a, b) => matmul(a, b), domain: 'dims not multiples of common tile sizes', ...half,
  },
  {
    name: 'linear x W^T + b', kernel: K.Matmul.name, inputs: () => [normal([2, 3, 4], 420), normal([5, 4], 421), normal([5], 422)],
    run: (x, w, b) => linear(x, w, b), ...half,
  },
];
