/**
 * Elementwise ops with NumPy broadcasting, and their gradient rules. Numbers are promoted to
 * scalars of the tensor's dtype; tensors of different dtypes must be cast explicitly.
 */
import { runKernel, scope } from '../engine.js';
import { defineGrad } from '../kernel.js';
import * as K from '../kernels/elementwise.js';
import { broadcastShapes, shapesEqual, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { DTypeError, InvalidArgumentError } from '../errors.js';
import { full, scalar } from './creation.js';
import { expand, reshape } from './shape.js';
import { sum } from './reduce.js';

type Operand = Tensor | number;

function asTensor(op: string, x: Operand, like: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  if (like.dtype === 'int32' && !Number.isInteger(x)) {
    throw new DTypeError(op, [like.dtype, 'number'], `${x} is not an integer but the tensor is int32`, `cast the tensor first: x.cast('float32')`);
  }
  return scalar(x, like.dtype);
}

/**
 * Broadcast tensors to one shape with stride-0 views.
 *
 * @internal
 *
 * @example
 * ```ts
 * const [a2, b2] = broadcast('add', zeros([4, 1]), zeros([3])); // both [4, 3]
 * ```
 */
export function broadcast(op: string, ...xs: Tensor[]): Tensor[] {
  const shape = broadcastShapes(op, ...xs.map((x) => x.shape));
  return xs.map((x) => (shapesEqual(x.shape, shape) ? x : expand(x, shape)));
}

/**
 * Sum a broadcast gradient back to `shape`.
 *
 * @internal
 *
 * @example
 * ```ts
 * const dBias = sumToShape(dy, bias.shape); // [B, T, C] -> [C]
 * ```
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  return reshape(sum(g, axes, true), shape);
}

function binaryOp(def: typeof K.Add, name: string) {
  return (a: Operand, b: Operand): Tensor =>
    scope(() => {
      if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new InvalidArgumentError(name, 'needs at least one tensor operand');
      const ta = a instanceof Tensor ? a : asTensor(name, a, b as Tensor);
      const tb = asTensor(name, b, ta);
      return runKernel(def, broadcast(name, ta, tb), {})[0]!;
    });
}

function unaryOp(def: typeof K.Exp) {
  return (x: Tensor): Tensor => runKernel(def, [x], {})[0]!;
}

/**
 * a + b, broadcasting.
 *
 * @example
 * ```ts
 * const h = add(matmul(x, w), bias); // [B, T, O] + [O]
 * const shifted = add(x, 1);
 * ```
 */
export const add = binaryOp(K.Add, 'add');
/**
 * a - b, broadcasting.
 *
 * @example
 * ```ts
 * const centered = sub(x, mean(x, -1, true));
 * ```
 */
export const sub = binaryOp(K.Sub, 'sub');
/**
 * a * b, broadcasting.
 *
 * @example
 * ```ts
 * const scaled = mul(scores, 1 / Math.sqrt(headDim));
 * const gated = mul(h, sigmoid(g));
 * ```
 */
export const mul = binaryOp(K.Mul, 'mul');
/**
 * a / b, broadcasting.
 *
 * @example
 * ```ts
 * const probs = div(e, sum(e, -1, true));
 * ```
 */
export const div = binaryOp(K.Div, 'div');
/**
 * Elementwise maximum, broadcasting.
 *
 * @example
 * ```ts
 * const leaky = maximum(x, mul(x, 0.01));
 * ```
 */
export const maximum = binaryOp(K.Maximum, 'maximum');
/**
 * Elementwise minimum, broadcasting.
 *
 * @example
 * ```ts
 * const relu6 = minimum(maximum(x, 0), 6);
 * ```
 */
export const minimum = binaryOp(K.Minimum, 'minimum');
/**
 * a == b -> bool, broadcasting.
 *
 * @example
 * ```ts
 * const correct = eq(argmax(logits, -1), targets); // both int32
 * const accuracy = mean(cast(correct, 'float32'));
 * ```
 */
export const eq = binaryOp(K.Equal, 'eq');
/**
 * a != b -> bool, broadcasting.
 *
 * @example
 * ```ts
 * const valid = ne(targets, -100); // targets that are not ignored
 * ```
 */
export const ne = binaryOp(K.NotEqual, 'ne');
/**
 * a < b -> bool, broadcasting.
 *
 * @example
 * ```ts
 * const keepMask = lt(rand([B, T, C], { seed: step }), 0.9); // dropout with p = 0.1
 * ```
 */
export const lt = binaryOp(K.Less, 'lt');
/**
 * a <= b -> bool, broadcasting.
 *
 * @example
 * ```ts
 * const inside = le(abs(x), 1);
 * ```
 */
export const le = binaryOp(K.LessEqual, 'le');
/**
 * a > b -> bool, broadcasting.
 *
 * @example
 * ```ts
 * const positive = gt(x, 0);
 * const y = where(positive, x, 0);
 * ```
 */
export const gt = binaryOp(K.Greater, 'gt');
/**
 * a >= b -> bool, broadcasting.
 *
 * @example
 * ```ts
 * const rows = unsqueeze(arange(T), 1); // [T, 1]
 * const cols = unsqueeze(arange(T), 0); // [1, T]
 * const allowed = ge(rows, cols);       // [T, T] causal: true on and below the diagonal
 * ```
 */
export const ge = binaryOp(K.GreaterEqual, 'ge');

/**
 * -x
 *
 * @example
 * ```ts
 * const nll = neg(logSoftmax(logits, -1));
 * ```
 */
export const neg = unaryOp(K.Neg);
/**
 * e^x
 *
 * @example
 * ```ts
 * const e = exp(sub(x, max(x, -1, true)));
 * ```
 */
export const exp = unaryOp(K.Exp);
/**
 * Natural logarithm.
 *
 * @example
 * ```ts
 * const logp = log(probs);
 * ```
 */
export const log = unaryOp(K.Log);
/**
 * Square root.
 *
 * @example
 * ```ts
 * const std = sqrt(add(variance(x, -1, true), 1e-5));
 * ```
 */
export const sqrt = unaryOp(K.Sqrt);
/**
 * 1 / sqrt(x)
 *
 * @example
 * ```ts
 * const invStd = rsqrt(add(variance(x, -1, true, 0), 1e-5));
 * ```
 */
export const rsqrt = unaryOp(K.Rsqrt);
/**
 * |x|
 *
 * @example
 * ```ts
 * const l1 = sum(abs(sub(pred, target)));
 * ```
 */
export const abs = unaryOp(K.Abs);
/**
 * -1, 0 or 1 (not differentiable).
 *
 * @example
 * ```ts
 * sign(tensor([-2, 0, 3])); // [-1, 0, 1]
 * ```
 */
export const sign = unaryOp(K.Sign);
/**
 * Hyperbolic tangent.
 *
 * @example
 * ```ts
 * const h = tanh(linear(x, w, b));
 * ```
 */
export const tanh = unaryOp(K.Tanh);
/**
 * 1 / (1 + e^-x)
 *
 * @example
 * ```ts
 * const gate = sigmoid(linear(x, wGate));
 * ```
 */
export const sigmoid = unaryOp(K.Sigmoid);
/**
 * max(x, 0)
 *
 * @example
 * ```ts
 * const h = relu(linear(x, w1, b1));
 * ```
 */
export const relu = unaryOp(K.Relu);
/**
 * Gauss error function.
 *
 * @example
 * ```ts
 * const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5); // standard normal CDF
 * ```
 */
export const erf = unaryOp(K.Erf);

/**
 * x^exponent for a constant exponent.
 *
 * @example
 * ```ts
 * const squared = pow(x, 2);
 * const cubed = pow(x, 3);
 * ```
 */
export function pow(x: Tensor, exponent: number): Tensor {
  return runKernel(K.PowScalar, [x], { exponent })[0]!;
}

/**
 * Clamp into [min, max]; `null` leaves that side open.
 *
 * @example
 * ```ts
 * const y = clamp(x, -6, 6);
 * const capped = clamp(logits, null, 30); // upper bound only
 * ```
 */
export function clamp(x: Tensor, min: number | null, max: number | null = null): Tensor {
  if (x.dtype === 'int32' && [min, max].some((v) => v !== null && !Number.isInteger(v))) {
    throw new DTypeError('clamp', [x.dtype], `bounds ${min}, ${max} are not integers but the tensor is int32`, `cast first: x.cast('float32')`);
  }
  return runKernel(K.Clamp, [x], { min, max })[0]!;
}

/**
 * cond ? a : b, broadcasting all three.
 *
 * @example
 * ```ts
 * const y = where(gt(x, 0), x, 0); // relu
 * ```
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  return scope(() => {
    const like = a instanceof Tensor ? a : b instanceof Tensor ? b : scalar(0);
    return runKernel(K.Where, broadcast('where', cond, asTensor('where', a, like), asTensor('where', b, like)), {})[0]!;
  });
}

/**
 * x with the elements where `mask` (bool, broadcasting against x) is true set to `value`.
 *
 * @example
 * ```ts
 * const scores = maskedFill(s, causalMask, -3.4028234663852886e38);
 * ```
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return scope(() => where(mask, full([], value, x.dtype), x));
}

/**
 * Convert to another dtype (float -> int truncates toward zero; to bool: x != 0).
 *
 * @example
 * ```ts
 * const half = cast(w, 'bfloat16');
 * const ids = cast(tensor([1.7, 2.2]), 'int32'); // [1, 2]
 * ```
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return runKernel(K.Cast, [x], { dtype })[0]!;
}

// Gradient rules. Each returns one gradient per input, in the input's shape.
defineGrad(K.Add, ([dy]) => [dy!, dy!]);
defineGrad(K.Sub, ([dy]) => [dy!, neg(dy!)]);
defineGrad(K.Mul, ([dy], { inputs: [a, b] }) => [mul(dy!, b!), mul(dy!, a!)]);
defineGrad(K.Div, ([dy], { inputs: [a, b] }) => [div(dy!, b!), neg(div(mul(dy!, a!), mul(b!, b!)))]);
/** Share of the gradient going to `a` of maximum/minimum: 1 where a wins, 0.5 on ties (as torch). */
function winnerShare(wins: Tensor, a: Tensor, b: Tensor): Tensor {
  return where(eq(a, b), 0.5, cast(wins, a.dtype));
}
defineGrad(K.Maximum, ([dy], { inputs: [a, b] }) => {
  const share = winnerShare(gt(a!, b!), a!, b!);
  return [mul(dy!, share), mul(dy!, sub(1, share))];
});
defineGrad(K.Minimum, ([dy], { inputs: [a, b] }) => {
  const share = winnerShare(lt(a!, b!), a!, b!);
  return [mul(dy!, share), mul(dy!, sub(1, share))];
});
defineGrad(K.Neg, ([dy]) => [neg(dy!)]);
defineGrad(K.Exp, ([dy], { outputs: [y] }) => [mul(dy!, y!)]);
defineGrad(K.Log, ([dy], { inputs: [x] }) => [div(dy!, x!)]);
defineGrad(K.Sqrt, ([dy], { outputs: [y] }) => [div(mul(dy!, 0.5), y!)]);
defineGrad(K.Rsqrt, ([dy], { inputs: [x], outputs: [y] }) => [mul(dy!, div(mul(y!, -0.5), x!))]);
defineGrad(K.Abs, ([dy], { inputs: [x] }) => [mul(dy!, sign(x!))]);
defineGrad(K.Tanh, ([dy], { outputs: [y] }) => [mul(dy!, sub(1, mul(y!, y!)))]);
defineGrad(K.Sigmoid, ([dy], { outputs: [y] }) => [mul(dy!, mul(y!, sub(1, y!)))]);
defineGrad(K.Relu, ([dy], { inputs: [x] }) => [where(gt(x!, 0), dy!, 0)]);
defineGrad(K.Erf, ([dy], { inputs: [x] }) => [mul(dy!, mul(exp(neg(mul(x!, x!))), 2 / Math.sqrt(Math.PI)))]);
defineGrad(K.PowScalar, ([dy], { inputs: [x], attrs: { exponent } }) => [
  exponent === 0 ? mul(dy!, 0) : mul(dy!, mul(pow(x!, exponent - 1), exponent)),
]);
defineGrad(K.Clamp, ([dy], { inputs: [x], attrs: { min, max } }) => {
  let g = dy!;
  if (min !== null) g = where(ge(x!, min), g, 0);
  if (max !== null) g = where(le(x!, max), g, 0);
  return [g];
});
defineGrad(K.Where, ([dy], { inputs: [cond] }) => [null, where(cond!, dy!, 0), where(cond!, 0, dy!)]);
defineGrad(K.Cast, ([dy], { inputs: [x] }) => {
  const float = x!.dtype !== 'int32' && x!.dtype !== 'bool' && dy!.dtype !== 'int32' && dy!.dtype !== 'bool';
  return [float ? cast(dy!, x!.dtype) : null];
});
