/**
 * Reverse-mode autograd. `valueAndGrad(f)` records the ops that depend on f's inputs on a tape,
 * then walks it backwards applying each kernel's gradient rule (written with ops, so it runs on
 * every backend). Gradients of a tensor used several times are accumulated. Everything the
 * computation created, except the value and the gradients, is disposed on return.
 */
import { noGrad, popTape, pushTape, scope, Tape } from './engine.js';
import { isFloat } from './dtype.js';
import { InvalidArgumentError, ShapeError } from './errors.js';
import { gradRuleOf } from './kernel.js';
import { shapesEqual } from './shape.js';
import { Tensor } from './tensor.js';
import { add, onesLike, zerosLike } from './ops/index.js';
import { alias } from './ops/shape.js';

type Grads<Args extends readonly Tensor[]> = { [K in keyof Args]: Tensor };

/**
 * Wrap a scalar-valued function: the wrapper returns the value and one gradient per input.
 *
 * @example
 * ```ts
 * const f = (w: Tensor, x: Tensor) => sum(mul(matmul(x, w), matmul(x, w)));
 * const { value, grads: [dw, dx] } = valueAndGrad(f)(w, x);
 * ```
 */
export function valueAndGrad<Args extends readonly Tensor[]>(f: (...args: Args) => Tensor) {
  return (...inputs: Args): { value: Tensor; grads: Grads<Args> } =>
    scope(() => {
      const tape = new Tape();
      // Each input gets its own identity, so a tensor passed twice gets two gradients.
      const sources = inputs.map((x, i) => {
        if (!(x instanceof Tensor)) throw new InvalidArgumentError('valueAndGrad', `argument ${i} is not a Tensor`);
        const a = alias(x);
        tape.tracked.add(a);
        tape.held.add(a);
        return a;
      });
      const call = f as (...args: readonly Tensor[]) => Tensor;
      pushTape(tape);
      let value: Tensor;
      try {
        value = call(...sources);
      } finally {
        popTape(tape);
      }
      if (!(value instanceof Tensor)) throw new InvalidArgumentError('valueAndGrad', 'the function must return a Tensor');
      if (value.size !== 1 || !isFloat(value.dtype)) {
        throw new InvalidArgumentError('valueAndGrad', `the function must return a one-element floating-point tensor, got shape [${value.shape.join(', ')}] ${value.dtype}`,
          'reduce the output first, e.g. sum(y) or mean(y)');
      }
      const grads = backward(tape, value, sources);
      return { value, grads: grads as Grads<Args> };
    });
}

/**
 * Like {@link valueAndGrad} but returns only the gradients.
 *
 * @example
 * ```ts
 * const loss = (w: Tensor) => crossEntropy(matmul(x, w), targets);
 * const [dw] = grad(loss)(w);
 * ```
 */
export function grad<Args extends readonly Tensor[]>(f: (...args: Args) => Tensor) {
  const vg = valueAndGrad(f);
  return (...inputs: Args): Grads<Args> => {
    const { value, grads } = vg(...inputs);
    value.dispose();
    return grads;
  };
}

function backward(tape: Tape, value: Tensor, sources: readonly Tensor[]): Tensor[] {
  return noGrad(() => {
    const grads = new Map<Tensor, Tensor>([[value, onesLike(value)]]);
    for (let i = tape.nodes.length - 1; i >= 0; i--) {
      const node = tape.nodes[i]!;
      const dys = node.outputs.map((o) => grads.get(o));
      if (dys.every((d) => d === undefined)) continue;
      const rule = gradRuleOf(node.def)!;
      const dxs = rule(dys.map((d, j) => d ?? zerosLike(node.outputs[j]!)), node);
      node.inputs.forEach((x, j) => {
        const g = dxs[j];
        if (!g || !tape.tracked.has(x)) return;
        if (!shapesEqual(g.shape, x.shape) || g.dtype !== x.dtype) {
          throw new ShapeError(`${node.def.name} gradient`, [x.shape, g.shape], `internal: the rule returned a ${g.dtype} gradient for a ${x.dtype} input`);
        }
        const previous = grads.get(x);
        grads.set(x, previous ? add(previous, g) : g);
      });
    }
    return sources.map((s) => grads.get(s) ?? zerosLike(s));
  });
}
