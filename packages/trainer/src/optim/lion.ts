/**
 * DecoupledLionW (llm-foundry's `DecoupledLionW`, the optimizer MPT was trained with). Per
 * parameter θ with momentum m (zero at first), gradient g, current lr η_t, initial lr η₀:
 *
 *   θ ← θ·(1 − (η_t/η₀)·λ)              if λ ≠ 0 (decoupled: not multiplied by η itself)
 *   θ ← θ − η_t·sign(β1·m + (1−β1)·g)   sign(0) = 0
 *   m ← β2·m + (1−β2)·g
 *
 * The interpolations are evaluated as m + (1−β)(g − m), in float32 like the reference. Each
 * parameter's update is one {@link LionStep} kernel (fused where the backend registers it).
 */
import { runKernel, scope, zerosLike, type Tensor } from '@tessera/tensor';
import { LionStep } from './lion-step.js';
import { TrainerConfigError } from '../errors.js';
import { StatefulOptimizer, type Hyperparameters } from './optimizer.js';

/**
 * Options of {@link DecoupledLionW} (llm-foundry's defaults).
 *
 * @example
 * ```ts
 * const options: LionOptions = { lr: 1e-4, betas: [0.9, 0.95], weightDecay: 1e-5 };
 * ```
 */
export interface LionOptions {
  /** η₀. Default 1e-4. */
  readonly lr?: number;
  /** Default [0.9, 0.99]. */
  readonly betas?: readonly [number, number];
  /** λ, a per-step fraction scaled by the schedule. Default 0. */
  readonly weightDecay?: number;
}

/** Checks betas in [0, 1). */
export function checkBetas(betas: readonly [number, number]): void {
  if (betas.some((b) => !(b >= 0 && b < 1))) throw new TrainerConfigError('betas', `must lie in [0, 1), got [${betas.join(', ')}]`);
}

/**
 * The LION optimizer with decoupled weight decay.
 *
 * @example
 * ```ts
 * const optimizer = new DecoupledLionW({ lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0 });
 * model.setParameters(optimizer.step(model.parameters(), grads, 1e-4));
 * ```
 */
export class DecoupledLionW extends StatefulOptimizer {
  readonly name = 'DecoupledLionW';
  readonly betas: readonly [number, number];
  readonly weightDecay: number;

  constructor(options: LionOptions = {}) {
    super(options.lr ?? 1e-4, ['exp_avg']);
    this.betas = options.betas ?? [0.9, 0.99];
    this.weightDecay = options.weightDecay ?? 0;
    checkBetas(this.betas);
  }

  hyperparameters(): Hyperparameters {
    return { lr: this.initialLr, betas: this.betas, weightDecay: this.weightDecay };
  }

  step(params: Readonly<Record<string, Tensor>>, grads: Readonly<Record<string, Tensor>>, lr: number): Record<string, Tensor> {
    const [beta1, beta2] = this.betas;
    const decay = 1 - (lr / this.initialLr) * this.weightDecay;
    const out: Record<string, Tensor> = {};
    for (const [name, p] of Object.entries(params)) {
      const g = grads[name];
      if (!g) continue;
      const m = this.slot('exp_avg', name, () => zerosLike(p));
      const [next, momentum] = scope(() => runKernel(LionStep, [p, g, m], { lr, beta1, beta2, decay: this.weightDecay !== 0 ? decay : null }));
      this.setSlot('exp_avg', name, momentum!);
      out[name] = next!;
    }
    this.steps++;
    return out;
  }
}
