/**
 * Gradient clipping (Composer's `GradientClipping` algorithm), applied at
 * `optimizer-step-start`, after accumulation and before the optimizer step:
 *
 *   norm:  if ‖g‖ > c, g ← g · c/(‖g‖ + 1e-6)   (‖g‖ the global L2 norm; PyTorch `clip_grad_norm_`)
 *   value: g ← clamp(g, −c, c) elementwise
 */
import { clamp, noGrad } from '@tessera/tensor';
import { TrainerConfigError } from '../errors.js';
import type { Callback } from '../events.js';
import { globalNorm, scaleGradients } from '../gradients.js';

/**
 * Clip gradients by global norm (default) or by value.
 *
 * @example
 * ```ts
 * new Trainer({ ..., callbacks: [gradientClipping({ threshold: 1.0 })] }); // MPT's recipe
 * ```
 */
export function gradientClipping(options: { threshold: number; type?: 'norm' | 'value' }): Callback {
  const { threshold } = options;
  const type = options.type ?? 'norm';
  if (!(threshold > 0)) throw new TrainerConfigError('gradientClipping.threshold', `must be positive, got ${threshold}`);
  return {
    name: 'gradient-clipping',
    events: {
      async 'optimizer-step-start'(state) {
        const grads = state.grads;
        if (!grads) return;
        if (type === 'value') {
          for (const [name, g] of Object.entries(grads)) {
            grads[name] = noGrad(() => clamp(g, -threshold, threshold));
            g.dispose();
          }
          return;
        }
        const norm = state.gradNorm ?? (await globalNorm(grads));
        if (norm > threshold) scaleGradients(grads, threshold / (norm + 1e-6));
      },
    },
  };
}
