/**
 * Adam with weight decay, in the two forms MPT recipes use. With step t (from 1), momenta m and
 * v (zero at first), current lr η_t and initial lr η₀:
 *
 *   θ ← θ·(1 − f·λ)      AdamW (PyTorch): f = η_t;   DecoupledAdamW (Composer): f = η_t/η₀
 *   m ← β1·m + (1−β1)·g
 *   v ← β2·v + (1−β2)·g²
 *   θ ← θ − (η_t/(1−β1^t)) · m / (√v/√(1−β2^t) + ε)
 *
 * (No amsgrad.) The decay is skipped when λ = 0. Each parameter's update is one {@link AdamStep}
 * kernel (fused where the backend registers it).
 */
import { runKernel, scope, zerosLike, type Tensor } from '@tessera/tensor';
import { AdamStep } from './adam-step.js';
import { checkBetas } from './lion.js';
import { StatefulOptimizer, type Hyperparameters } from './optimizer.js';

/**
 * Options of {@link AdamW} and {@link DecoupledAdamW}.
 *
 * @example
 * ```ts
 * const options: AdamOptions = { lr: 1.2e-4, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0 };
 * ```
 */
export interface AdamOptions {
  /** η₀. Default 1e-3. */
  readonly lr?: number;
  /** Default [0.9, 0.999] (AdamW) / [0.9, 0.95] (DecoupledAdamW). */
  readonly betas?: readonly [number, number];
  /** Default 1e-8. */
  readonly eps?: number;
  /** λ. Default 1e-2 (AdamW) / 1e-5 (DecoupledAdamW). */
  readonly weightDecay?: number;
}

abstract class AdamBase extends StatefulOptimizer {
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;

  constructor(options: AdamOptions, defaults: { betas: readonly [number, number]; weightDecay: number }) {
    super(options.lr ?? 1e-3, ['exp_avg', 'exp_avg_sq']);
    this.betas = options.betas ?? defaults.betas;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? defaults.weightDecay;
    checkBetas(this.betas);
  }

  /** The factor f that multiplies λ in the decay. */
  protected abstract decayScale(lr: number): number;

  hyperparameters(): Hyperparameters {
    return { lr: this.initialLr, betas: this.betas, eps: this.eps, weightDecay: this.weightDecay };
  }

  step(params: Readonly<Record<string, Tensor>>, grads: Readonly<Record<string, Tensor>>, lr: number): Record<string, Tensor> {
    const [beta1, beta2] = this.betas;
    const t = this.steps + 1;
    const stepSize = lr / (1 - beta1 ** t);
    const correction2 = Math.sqrt(1 - beta2 ** t);
    const decay = 1 - this.decayScale(lr) * this.weightDecay;
    const out: Record<string, Tensor> = {};
    for (const [name, p] of Object.entries(params)) {
      const g = grads[name];
      if (!g) continue;
      const m = this.slot('exp_avg', name, () => zerosLike(p));
      const v = this.slot('exp_avg_sq', name, () => zerosLike(p));
      const attrs = { stepSize, beta1, beta2, eps: this.eps, correction2, decay: this.weightDecay !== 0 ? decay : null };
      const [next, m1, v1] = scope(() => runKernel(AdamStep, [p, g, m, v], attrs));
      this.setSlot('exp_avg', name, m1!);
      this.setSlot('exp_avg_sq', name, v1!);
      out[name] = next!;
    }
    this.steps = t;
    return out;
  }
}

/**
 * AdamW as PyTorch defines it: the decay is multiplied by the current lr.
 *
 * @example
 * ```ts
 * const optimizer = new AdamW({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
 * ```
 */
export class AdamW extends AdamBase {
  readonly name = 'AdamW';

  constructor(options: AdamOptions = {}) {
    super(options, { betas: [0.9, 0.999], weightDecay: 1e-2 });
  }

  protected decayScale(lr: number): number {
    return lr;
  }
}

/**
 * Composer's DecoupledAdamW: the decay is scaled by the schedule (η_t/η₀), not by η.
 *
 * @example
 * ```ts
 * const optimizer = new DecoupledAdamW({ lr: 1.2e-4, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0 });
 * ```
 */
export class DecoupledAdamW extends AdamBase {
  readonly name = 'DecoupledAdamW';

  constructor(options: AdamOptions = {}) {
    super(options, { betas: [0.9, 0.95], weightDecay: 1e-5 });
  }

  protected decayScale(lr: number): number {
    return lr / this.initialLr;
  }
}
