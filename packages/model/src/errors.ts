/**
 * The model package's errors. Each derives from `TesseraError` (stable marker, `isInstance`,
 * a `hint` that says what to do) and carries structured fields.
 *
 * @example
 * ```ts
 * try {
 *   await MPTForCausalLM.fromPretrained('./ckpt');
 * } catch (e) {
 *   if (CheckpointFormatError.isInstance(e)) console.error(e.file, e.tensor, e.hint);
 * }
 * ```
 */
import { TesseraError } from '@tessera/tensor';

/**
 * A `config.json` setting that is malformed, inconsistent or not supported. Names the key
 * (dotted for nested keys, e.g. `attn_config.rope`).
 *
 * @example
 * ```ts
 * try { configFromHF({ d_model: 64, attn_config: { rope: true } }); }
 * catch (e) { if (MPTConfigError.isInstance(e)) console.log(e.key); } // 'attn_config.rope'
 * ```
 */
export class MPTConfigError extends TesseraError {
  constructor(
    readonly key: string,
    detail: string,
    hint?: string,
  ) {
    super(`MPT config: ${key}: ${detail}`, hint === undefined ? {} : { hint });
  }

  static override isInstance(value: unknown): value is MPTConfigError {
    return TesseraError.isInstance(value) && value.name === 'MPTConfigError';
  }
}

/**
 * A checkpoint file that cannot be read: truncated, a header that is too large or not JSON,
 * offsets outside the file, an unknown dtype. Names the file and, when known, the tensor and
 * its shape.
 *
 * @example
 * ```ts
 * try { parseSafetensors(bytes, 'model.safetensors'); }
 * catch (e) { if (CheckpointFormatError.isInstance(e)) console.log(e.file, e.tensor, e.shape); }
 * ```
 */
export class CheckpointFormatError extends TesseraError {
  constructor(
    readonly file: string,
    detail: string,
    readonly tensor?: string,
    readonly shape?: readonly number[],
    hint?: string,
  ) {
    const where = tensor === undefined ? '' : ` (tensor '${tensor}'${shape ? ` [${shape.join(', ')}]` : ''})`;
    super(`${file}: ${detail}${where}`, { hint: hint ?? 'the file is corrupt or not a checkpoint this loader reads; re-download or re-export it' });
  }

  static override isInstance(value: unknown): value is CheckpointFormatError {
    return TesseraError.isInstance(value) && value.name === 'CheckpointFormatError';
  }
}

/** One tensor that the checkpoint and the config disagree about. */
export interface TensorMismatch {
  readonly name: string;
  /** The shape the config implies (absent for unexpected tensors). */
  readonly expected?: readonly number[];
  /** The shape in the checkpoint (absent for missing tensors). */
  readonly found?: readonly number[];
}

/**
 * The checkpoint's tensors do not match what the config describes: missing, unexpected or
 * mis-shaped tensors, each reported by name and shape.
 *
 * @example
 * ```ts
 * try { await MPTForCausalLM.fromPretrained(dir); }
 * catch (e) { if (CheckpointMismatchError.isInstance(e)) console.log(e.missing, e.unexpected, e.misshaped); }
 * ```
 */
export class CheckpointMismatchError extends TesseraError {
  constructor(
    readonly missing: readonly TensorMismatch[],
    readonly unexpected: readonly TensorMismatch[],
    readonly misshaped: readonly TensorMismatch[],
  ) {
    const fmt = (s?: readonly number[]): string => (s ? `[${s.join(', ')}]` : '?');
    const lines = [
      ...missing.map((m) => `missing ${m.name} ${fmt(m.expected)}`),
      ...unexpected.map((m) => `unexpected ${m.name} ${fmt(m.found)}`),
      ...misshaped.map((m) => `wrong shape ${m.name}: expected ${fmt(m.expected)}, found ${fmt(m.found)}`),
    ];
    super(`checkpoint does not match the config:\n  ${lines.slice(0, 20).join('\n  ')}${lines.length > 20 ? `\n  ... and ${lines.length - 20} more` : ''}`, {
      hint: 'check that config.json belongs to these weights (d_model, n_heads, kv_n_heads, n_layers, vocab_size, qk_ln, no_bias)',
    });
  }

  static override isInstance(value: unknown): value is CheckpointMismatchError {
    return TesseraError.isInstance(value) && value.name === 'CheckpointMismatchError';
  }
}

/**
 * The parameters (and KV cache) would not fit the memory budget.
 *
 * @example
 * ```ts
 * try { assertFits(estimateMemory(config, { batchSize: 1, sequenceLength: 2048 }), 8 * 2 ** 30); }
 * catch (e) { if (InsufficientMemoryError.isInstance(e)) console.log(e.requiredBytes, e.availableBytes); }
 * ```
 */
export class InsufficientMemoryError extends TesseraError {
  constructor(
    readonly requiredBytes: number,
    readonly availableBytes: number,
    detail: string,
  ) {
    super(`${detail}: needs ${formatBytes(requiredBytes)} but only ${formatBytes(availableBytes)} are available`, {
      hint: 'load in a 16-bit dtype ({ dtype: "bfloat16" }), shorten the sequence or batch, or raise memoryLimitBytes if the estimate is too strict',
    });
  }

  static override isInstance(value: unknown): value is InsufficientMemoryError {
    return TesseraError.isInstance(value) && value.name === 'InsufficientMemoryError';
  }
}

/**
 * Bytes as a human-readable string (binary units).
 *
 * @example
 * ```ts
 * formatBytes(13.3e9); // '12.4 GiB'
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
