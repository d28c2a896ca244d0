/**
 * Typed errors of `@tessera/tokenizer`. This package imports none of our other packages, so it
 * carries its own copy of the error base: the same `Symbol.for('tessera.error')` marker as
 * `@tessera/tensor`, so `TesseraError.isInstance` from either package recognises both.
 *
 * @example
 * ```ts
 * try {
 *   Tokenizer.fromJSON(json);
 * } catch (e) {
 *   if (TokenizerConfigError.isInstance(e)) console.error(e.path, e.component, e.hint);
 * }
 * ```
 */
const marker = Symbol.for('tessera.error');

/**
 * Base class of every error this package throws: a message plus a `hint` that says what to do.
 *
 * @example
 * ```ts
 * try {
 *   tokenizer.encode(text);
 * } catch (e) {
 *   if (!TokenizerError.isInstance(e)) throw e;
 *   console.error(e.message, e.hint);
 * }
 * ```
 */
export class TokenizerError extends Error {
  readonly [marker] = true;
  /** What the user can do about it. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${message}\nHINT: ${options.hint}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }

  /** True for any Tessera error, even one thrown by another installed copy of a Tessera package. */
  static isInstance(value: unknown): value is TokenizerError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}

/**
 * A `tokenizer.json` (or `tokenizer_config.json`) that cannot be loaded: malformed JSON, a
 * missing or mistyped field, or a component type this package does not implement. `path` is the
 * JSON path of the offending value (`pre_tokenizer.pretokenizers[1]`), `component` the
 * component's `type` when there is one.
 *
 * @example
 * ```ts
 * try {
 *   Tokenizer.fromJSON({ ...json, normalizer: { type: 'Precompiled' } });
 * } catch (e) {
 *   if (TokenizerConfigError.isInstance(e)) console.log(e.path, e.component); // 'normalizer' 'Precompiled'
 * }
 * ```
 */
export class TokenizerConfigError extends TokenizerError {
  constructor(
    readonly path: string,
    detail: string,
    readonly component?: string,
    hint?: string,
    /** The file the path refers to. */
    readonly file: 'tokenizer.json' | 'tokenizer_config.json' = 'tokenizer.json',
  ) {
    super(`${file}${path ? ` at ${path}` : ''}${component ? ` (${component})` : ''}: ${detail}`, hint === undefined ? {} : { hint });
  }

  static override isInstance(value: unknown): value is TokenizerConfigError {
    return TokenizerError.isInstance(value) && value.name === 'TokenizerConfigError';
  }
}

/**
 * Input the tokenizer cannot process: an id outside the vocabulary, a BPE `unk_token` that is not
 * in the vocabulary, a chat message with an unknown role.
 *
 * @example
 * ```ts
 * try {
 *   tokenizer.decode([999_999]);
 * } catch (e) {
 *   if (TokenizerInputError.isInstance(e)) console.log(e.operation); // 'decode'
 * }
 * ```
 */
export class TokenizerInputError extends TokenizerError {
  constructor(readonly operation: string, detail: string, hint?: string) {
    super(`${operation}: ${detail}`, hint === undefined ? {} : { hint });
  }

  static override isInstance(value: unknown): value is TokenizerInputError {
    return TokenizerError.isInstance(value) && value.name === 'TokenizerInputError';
  }
}
