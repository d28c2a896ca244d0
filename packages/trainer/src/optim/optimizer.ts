/**
 * The optimizer interface. An optimizer is functional over parameter records: `step` returns
 * new parameter tensors (the trainer hands them to the model, which disposes the old ones) and
 * keeps its own state tensors (momenta), which checkpoints save as safetensors under the names
 * `<state>/<parameter>` plus JSON for the step count and hyperparameters.
 *
 * Learning rate: `initialLr` is the group's lr at construction (η₀); the trainer passes the
 * scheduled lr (η_t = η₀·α) to every step. Decoupled weight decay scales by η_t/η₀.
 */
import { dispose, keep, type Tensor } from '@tessera/tensor';
import { TrainerConfigError } from '../errors.js';

/** Hyperparameters as saved in checkpoints. */
export type Hyperparameters = Readonly<Record<string, number | readonly number[] | boolean>>;

/**
 * An optimizer's resumable state.
 *
 * @example
 * ```ts
 * const { name, step, tensors } = optimizer.stateDict(); // tensors: { 'exp_avg/w': ..., ... }
 * ```
 */
export interface OptimizerState {
  readonly name: string;
  readonly hyperparameters: Hyperparameters;
  /** Steps taken. */
  readonly step: number;
  /** State tensors by `<state>/<parameter>`. */
  readonly tensors: Readonly<Record<string, Tensor>>;
}

/**
 * A first-order optimizer over named parameters.
 *
 * @example
 * ```ts
 * const next = optimizer.step(model.parameters(), grads, lr);
 * model.setParameters(next);
 * ```
 */
export interface Optimizer {
  /** The class name (Composer's key in `optimizers`). */
  readonly name: string;
  /** η₀: the lr the schedule multiplies. */
  readonly initialLr: number;
  /** One update with learning rate `lr`; returns new tensors for every parameter that has a gradient. */
  step(params: Readonly<Record<string, Tensor>>, grads: Readonly<Record<string, Tensor>>, lr: number): Record<string, Tensor>;
  /** The state; tensors are the optimizer's own (read them, do not dispose them). */
  stateDict(): OptimizerState;
  /** Restore state; takes ownership of the tensors. */
  loadStateDict(state: OptimizerState): void;
  /** Release the state tensors. */
  dispose(): void;
}

/**
 * Shared bookkeeping: named state tensors, the step count, and state-dict round trips.
 *
 * @example
 * ```ts
 * class Sgd extends StatefulOptimizer { ... }
 * ```
 */
export abstract class StatefulOptimizer implements Optimizer {
  abstract readonly name: string;
  protected steps = 0;
  protected readonly state = new Map<string, Tensor>();

  constructor(readonly initialLr: number, protected readonly stateNames: readonly string[]) {
    if (!(initialLr > 0) || !Number.isFinite(initialLr)) throw new TrainerConfigError('lr', `must be a positive number, got ${initialLr}`);
  }

  abstract hyperparameters(): Hyperparameters;
  abstract step(params: Readonly<Record<string, Tensor>>, grads: Readonly<Record<string, Tensor>>, lr: number): Record<string, Tensor>;

  /** The state tensor `kind` of a parameter, created by `init` on first use. */
  protected slot(kind: string, name: string, init: () => Tensor): Tensor {
    const key = `${kind}/${name}`;
    let t = this.state.get(key);
    if (!t) {
      t = keep(init());
      this.state.set(key, t);
    }
    return t;
  }

  /** Replace a state tensor (the old one is disposed). */
  protected setSlot(kind: string, name: string, value: Tensor): void {
    const key = `${kind}/${name}`;
    const old = this.state.get(key);
    this.state.set(key, keep(value));
    if (old && old !== value) old.dispose();
  }

  stateDict(): OptimizerState {
    return { name: this.name, hyperparameters: this.hyperparameters(), step: this.steps, tensors: Object.fromEntries(this.state) };
  }

  loadStateDict(state: OptimizerState): void {
    if (state.name !== this.name) {
      throw new TrainerConfigError('optimizer', `the checkpoint holds ${state.name} state but this run uses ${this.name}`, 'resume with the optimizer the run started with');
    }
    for (const key of Object.keys(state.tensors)) {
      if (!this.stateNames.includes(key.split('/')[0]!)) throw new TrainerConfigError('optimizer', `unexpected state tensor '${key}' for ${this.name}`);
    }
    this.dispose();
    for (const [key, t] of Object.entries(state.tensors)) this.state.set(key, keep(t));
    this.steps = state.step;
  }

  dispose(): void {
    dispose([...this.state.values()]);
    this.state.clear();
  }
}
