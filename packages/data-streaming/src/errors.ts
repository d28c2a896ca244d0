/**
 * Typed errors. Every error this package throws derives from {@link StreamingError}, carries
 * structured fields and a `hint` that says what to do. The base class uses the same
 * `Symbol.for('tessera.error')` marker as `@tessera/tensor`'s `TesseraError`, so
 * `TesseraError.isInstance(e)` is true for these errors too, without importing that package.
 *
 * @example
 * ```ts
 * try { await ds.get(0); }
 * catch (e) { if (ShardIntegrityError.isInstance(e)) console.log(e.shard, e.reason, e.hint); }
 * ```
 */
const marker = Symbol.for('tessera.error');

/**
 * Base class of every error thrown by `@tessera/data-streaming`.
 *
 * @example
 * ```ts
 * try { new MDSWriter({ out: dir, columns: { x: 'pkl' } }); }
 * catch (e) { if (StreamingError.isInstance(e)) console.error(e.message); }
 * ```
 */
export class StreamingError extends Error {
  readonly [marker] = true;
  /** What the user can do about it. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string | undefined; cause?: unknown } = {}) {
    super(options.hint ? `${message}\nHINT: ${options.hint}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }

  /** True for any Tessera error, even one thrown by another installed copy of a Tessera package. */
  static isInstance(value: unknown): value is StreamingError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}

function named<T extends StreamingError>(value: unknown, name: string): value is T {
  return StreamingError.isInstance(value) && (value as Error).name === name;
}

/**
 * A column encoding this package cannot encode or decode (`pkl`, images), or an unknown one.
 * Names the column.
 *
 * @example
 * ```ts
 * try { await openMDS(dir); }
 * catch (e) { if (UnsupportedEncodingError.isInstance(e)) console.log(e.column, e.encoding); }
 * ```
 */
export class UnsupportedEncodingError extends StreamingError {
  constructor(
    readonly column: string,
    readonly encoding: string,
    detail: string,
    hint?: string,
  ) {
    super(`column '${column}' (encoding '${encoding}'): ${detail}`, { hint });
  }

  static override isInstance(value: unknown): value is UnsupportedEncodingError {
    return named(value, 'UnsupportedEncodingError');
  }
}

/**
 * A value that does not fit its column's encoding (wrong type, out of range, wrong fixed size).
 *
 * @example
 * ```ts
 * try { await writer.write({ id: 2n ** 64n }); }
 * catch (e) { if (EncodingError.isInstance(e)) console.log(e.column); } // 'id'
 * ```
 */
export class EncodingError extends StreamingError {
  constructor(
    readonly column: string,
    readonly encoding: string,
    detail: string,
    hint?: string,
  ) {
    super(`column '${column}' (encoding '${encoding}'): ${detail}`, { hint });
  }

  static override isInstance(value: unknown): value is EncodingError {
    return named(value, 'EncodingError');
  }
}

/**
 * An `index.json` or shard whose structure is not valid MDS (bad JSON, wrong version, offsets
 * outside the file).
 *
 * @example
 * ```ts
 * try { parseIndex(text, 'data/index.json'); }
 * catch (e) { if (MDSFormatError.isInstance(e)) console.log(e.file); }
 * ```
 */
export class MDSFormatError extends StreamingError {
  constructor(readonly file: string, detail: string, hint?: string) {
    super(`${file}: ${detail}`, { hint });
  }

  static override isInstance(value: unknown): value is MDSFormatError {
    return named(value, 'MDSFormatError');
  }
}

/**
 * A shard whose bytes cannot be trusted: a hash mismatch, a size that differs from `index.json`
 * (truncated or padded), offsets that run past the end, a compressed file that does not
 * decompress, or a shard file missing from a local dataset. Names the shard.
 *
 * @example
 * ```ts
 * try { await ds.get(12); }
 * catch (e) { if (ShardIntegrityError.isInstance(e)) console.log(e.shard, e.reason); } // 'shard.00003.mds' 'hash'
 * ```
 */
export class ShardIntegrityError extends StreamingError {
  constructor(
    readonly shard: string,
    readonly reason: 'hash' | 'size' | 'structure' | 'decompress' | 'missing',
    detail: string,
    readonly path?: string,
  ) {
    super(`shard ${shard}: ${detail}${path === undefined ? '' : ` (${path})`}`, {
      hint:
        'the file is corrupt or was cut short: delete the cached copy so it is fetched again, ' +
        'or re-write the dataset; pass validateHash to check hashes on every fetch',
    });
  }

  static override isInstance(value: unknown): value is ShardIntegrityError {
    return named(value, 'ShardIntegrityError');
  }
}

/**
 * A file could not be fetched from a remote (after all retries). `status` is the HTTP/S3 status
 * when there was one; `notFound` is true for a missing object (never retried).
 *
 * @example
 * ```ts
 * try { await ds.get(0); }
 * catch (e) { if (DownloadError.isInstance(e)) console.log(e.url, e.attempts, e.notFound); }
 * ```
 */
export class DownloadError extends StreamingError {
  constructor(
    readonly url: string,
    readonly attempts: number,
    detail: string,
    readonly notFound: boolean,
    readonly status?: number,
    cause?: unknown,
  ) {
    super(`download of ${url} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${detail}`, {
      hint: notFound
        ? 'check the remote path and split; index.json names every shard file the remote must hold'
        : 'check the network and credentials, or raise downloadRetry / downloadTimeout',
      cause,
    });
  }

  static override isInstance(value: unknown): value is DownloadError {
    return named(value, 'DownloadError');
  }
}

/**
 * The local cache cannot hold what is needed under `cacheLimit`.
 *
 * @example
 * ```ts
 * try { new StreamingDataset({ remote, local, cacheLimit: '1kb' }); }
 * catch (e) { if (CacheLimitError.isInstance(e)) console.log(e.cacheLimit, e.needed); }
 * ```
 */
export class CacheLimitError extends StreamingError {
  constructor(
    readonly cacheLimit: number,
    readonly needed: number,
    detail: string,
  ) {
    super(`cacheLimit ${cacheLimit} bytes: ${detail}`, {
      hint: 'raise cacheLimit to at least 4x the largest shard (raw + compressed) plus the index files',
    });
  }

  static override isInstance(value: unknown): value is CacheLimitError {
    return named(value, 'CacheLimitError');
  }
}

/**
 * An option or argument that is out of range or malformed.
 *
 * @example
 * ```ts
 * try { parseSize('12 parsecs'); }
 * catch (e) { if (InvalidArgumentError.isInstance(e)) console.log(e.where); } // 'parseSize'
 * ```
 */
export class InvalidArgumentError extends StreamingError {
  constructor(readonly where: string, detail: string, hint?: string) {
    super(`${where}: ${detail}`, { hint });
  }

  static override isInstance(value: unknown): value is InvalidArgumentError {
    return named(value, 'InvalidArgumentError');
  }
}
