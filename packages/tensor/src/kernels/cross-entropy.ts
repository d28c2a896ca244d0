/**
 * CrossEntropy (composite), mean reduction with an ignored target value:
 *   loss = -sum_{i: t_i != ignore} logSoftmax(logits_i)[t_i] / #{i: t_i != ignore}
 * Shapes: logits [..., C] float, targets [...] int32 -> loss []. When every target is ignored
 * the loss is NaN (0/0), as in PyTorch. Targets outside [0, C) other than `ignoreIndex` are an
 * error on backends with a fused kernel.
 */
import { defineKernel } from '../kernel.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { shapesEqual } from '../shape.js';

/**
 * CrossEntropy (composite): mean loss of logits [..., C] against int32 targets [...], skipping
 * `ignoreIndex`.
 *
 * @example
 * ```ts
 * const [loss] = runKernel(kernels.CrossEntropy, [logits, targets], { ignoreIndex: -100 });
 * ```
 */
export const CrossEntropy = defineKernel<{ ignoreIndex: number }>({
  name: 'CrossEntropy',
  inputs: ['logits', 'targets'],
  infer: ([logits, targets]) => {
    if (logits!.shape.length < 1 || !shapesEqual(logits!.shape.slice(0, -1), targets!.shape)) {
      throw new ShapeError('CrossEntropy', [logits!.shape, targets!.shape], 'expected logits [..., C] and targets [...]');
    }
    if (!isFloat(logits!.dtype)) throw new DTypeError('CrossEntropy', [logits!.dtype], 'logits must be floating point');
    if (targets!.dtype !== 'int32') throw new DTypeError('CrossEntropy', [targets!.dtype], 'targets must be int32', `cast them: targets.cast('int32')`);
    return [{ shape: [], dtype: logits!.dtype }];
  },
  decompose: ([logits, targets], { ignoreIndex }, ops) => {
    const classes = logits!.shape[logits!.rank - 1]!;
    const onehot = ops.cast(ops.eq(ops.arange(classes), ops.unsqueeze(targets!, -1)), logits!.dtype);
    const valid = ops.cast(ops.ne(targets!, ignoreIndex), logits!.dtype);
    const logProbs = ops.logSoftmax(logits!, -1);
    const picked = ops.sum(ops.mul(logProbs, onehot), -1);
    return [ops.neg(ops.div(ops.sum(ops.mul(picked, valid)), ops.sum(valid)))];
  },
});

/**
 * CrossEntropyBackward (composite): the gradient of {@link CrossEntropy} (mean over targets other
 * than `ignoreIndex`) with respect to the logits, given the upstream scalar dy:
 *   dlogits_r = (softmax(logits_r) - onehot(t_r)) * [t_r != ignore] * dy / #{r: t_r != ignore}
 * Shapes: logits [..., C], targets [...] int32, dy [] -> dlogits [..., C]. When every target is
 * ignored the gradient is NaN (0 * inf), as the decomposition computes. Not differentiable.
 *
 * @example
 * ```ts
 * const [dlogits] = runKernel(kernels.CrossEntropyBackward, [logits, targets, dy], { ignoreIndex: -100 });
 * ```
 */
export const CrossEntropyBackward = defineKernel<{ ignoreIndex: number }>({
  name: 'CrossEntropyBackward',
  inputs: ['logits', 'targets', 'dy'],
  differentiable: false,
  infer: ([logits, targets, dy]) => {
    if (logits!.shape.length < 1 || !shapesEqual(logits!.shape.slice(0, -1), targets!.shape) || dy!.shape.length !== 0) {
      throw new ShapeError('CrossEntropyBackward', [logits!.shape, targets!.shape, dy!.shape], 'expected logits [..., C], targets [...] and a scalar dy');
    }
    if (!isFloat(logits!.dtype) || dy!.dtype !== logits!.dtype) {
      throw new DTypeError('CrossEntropyBackward', [logits!.dtype, dy!.dtype], 'logits and dy must share one floating-point dtype');
    }
    if (targets!.dtype !== 'int32') throw new DTypeError('CrossEntropyBackward', [targets!.dtype], 'targets must be int32', `cast them: targets.cast('int32')`);
    return [{ shape: logits!.shape, dtype: logits!.dtype }];
  },
  decompose: ([logits, targets, dy], { ignoreIndex }, ops) => {
    const classes = logits!.shape[logits!.rank - 1]!;
    const onehot = ops.cast(ops.eq(ops.arange(classes), ops.unsqueeze(targets!, -1)), logits!.dtype);
    const valid = ops.cast(ops.ne(targets!, ignoreIndex), logits!.dtype);
    const scale = ops.div(dy!, ops.sum(valid));
    const g = ops.mul(ops.sub(ops.softmax(logits!, -1), onehot), ops.unsqueeze(valid, -1));
    return [ops.mul(g, scale)];
  },
});
