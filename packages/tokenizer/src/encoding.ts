/**
 * The result of `Tokenizer.encode`. `ids` is computed eagerly on the fast path; `tokens`,
 * `offsets` and the masks are computed on first access by the offset-tracking path (once,
 * then kept), so code that only needs ids never pays for them.
 *
 * @example
 * ```ts
 * const { ids } = tokenizer.encode('Hello world');      // fast
 * const { tokens, offsets } = tokenizer.encode('Héllo'); // computed on access
 * ```
 */

/** Everything an encoding carries; offsets are [start, end) in code points of the input. */
export interface EncodingDetail {
  ids: number[];
  tokens: string[];
  offsets: [number, number][];
  typeIds: number[];
  specialTokensMask: number[];
  attentionMask: number[];
}

/** An encoded sequence (or pair). */
export interface Encoding {
  /** Token ids. */
  readonly ids: number[];
  /** Token strings (byte-level symbols for byte-level vocabularies, e.g. `Ġthe`). */
  readonly tokens: string[];
  /** [start, end) of each token in code points of the input text (Python's offsets). */
  readonly offsets: [number, number][];
  /** 0 for the first sequence, 1 for the pair (as the post-processor sets them). */
  readonly typeIds: number[];
  /** 1 for tokens added by the post-processor or padding. */
  readonly specialTokensMask: number[];
  /** 0 for padding, 1 otherwise. */
  readonly attentionMask: number[];
}

/** An {@link Encoding} whose details are computed on first access. */
export class LazyEncoding implements Encoding {
  private detail: EncodingDetail | undefined;

  constructor(
    readonly ids: number[],
    private readonly compute: () => EncodingDetail,
  ) {}

  private get full(): EncodingDetail {
    this.detail ??= this.compute();
    return this.detail;
  }

  get tokens(): string[] {
    return this.full.tokens;
  }

  get offsets(): [number, number][] {
    return this.full.offsets;
  }

  get typeIds(): number[] {
    return this.full.typeIds;
  }

  get specialTokensMask(): number[] {
    return this.full.specialTokensMask;
  }

  get attentionMask(): number[] {
    return this.full.attentionMask;
  }

  /** A plain object with every field, all from the offset-tracking path (for logging and JSON). */
  toJSON(): EncodingDetail {
    return { ...this.full };
  }
}
