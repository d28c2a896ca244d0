/**
 * The trainer's errors: subclasses of `@tessera/tensor`'s {@link TesseraError}, each with
 * structured fields and a hint that says what to do.
 *
 * @example
 * ```ts
 * try { await trainer.fit(); }
 * catch (e) { if (NonFiniteLossError.isInstance(e)) console.error(e.batch, e.hint); }
 * ```
 */
import { TesseraError } from '@tessera/tensor';

/**
 * An option or argument the trainer cannot use: a malformed time string, a scheduler whose
 * units do not match, a batch the batch spec cannot read.
 *
 * @example
 * ```ts
 * try { parseTime('1.5ba'); } catch (e) { if (TrainerConfigError.isInstance(e)) console.log(e.option); }
 * ```
 */
export class TrainerConfigError extends TesseraError {
  constructor(readonly option: string, detail: string, hint?: string) {
    super(`${option}: ${detail}`, hint === undefined ? {} : { hint });
  }

  static override isInstance(value: unknown): value is TrainerConfigError {
    return TesseraError.isInstance(value) && value.name === 'TrainerConfigError';
  }
}

/**
 * The loss or the gradients were NaN or infinite and `nonFinite` is `'stop'`. The step was not
 * applied; the last checkpoint is intact.
 *
 * @example
 * ```ts
 * catch (e) { if (NonFiniteLossError.isInstance(e)) console.log(e.batch, e.loss, e.gradNorm); }
 * ```
 */
export class NonFiniteLossError extends TesseraError {
  constructor(readonly batch: number, readonly loss: number, readonly gradNorm: number) {
    super(`non-finite training step at batch ${batch}: loss ${loss}, gradient norm ${gradNorm}; the step was not applied`, {
      hint: "lower the learning rate, clip gradients (gradientClipping({ threshold: 1 })), or pass nonFinite: 'skip' to skip such batches",
    });
  }

  static override isInstance(value: unknown): value is NonFiniteLossError {
    return TesseraError.isInstance(value) && value.name === 'NonFiniteLossError';
  }
}

/**
 * A checkpoint folder that cannot be used: missing or malformed manifest, a file whose size or
 * SHA-256 differs from the manifest (truncated or corrupt), or state of another format.
 *
 * @example
 * ```ts
 * catch (e) { if (CheckpointIntegrityError.isInstance(e)) console.log(e.path, e.file); }
 * ```
 */
export class CheckpointIntegrityError extends TesseraError {
  constructor(readonly path: string, detail: string, readonly file?: string) {
    super(`checkpoint ${path}${file ? ` (${file})` : ''}: ${detail}`, {
      hint: 'the checkpoint was truncated or altered after it was written; autoresume falls back to the previous one, or delete this folder',
    });
  }

  static override isInstance(value: unknown): value is CheckpointIntegrityError {
    return TesseraError.isInstance(value) && value.name === 'CheckpointIntegrityError';
  }
}
