/**
 * A stream (spec §3.1): one MDS dataset directory, read from `remote` into the `local` cache,
 * or straight from `local` when there is no remote. Streams are weighted with at most one of
 * `proportion`, `repeat`, `choose`.
 *
 * A `local` folder without `remote` is the source and is never written to: decompressed copies
 * of compressed shards go to a cache directory (`cacheDir`, default under the OS temp dir).
 *
 * @example
 * ```ts
 * const streams: StreamOptions[] = [
 *   { remote: 's3://bucket/c4', local: '/cache/c4', proportion: 0.7 },
 *   { local: '/data/code', proportion: 0.3 }, // read in place
 * ];
 * ```
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from './errors.js';
import { assertHashAlgorithm } from './hashing.js';
import { joinRemote } from './remote.js';

/** One stream's options (camelCase of upstream's `Stream` arguments). */
export interface StreamOptions {
  /** Where the dataset lives: a local path, `http(s)://...` or `s3://bucket/prefix`. */
  remote?: string | undefined;
  /** The local cache directory (or, without `remote`, the dataset itself). */
  local?: string | undefined;
  /** Sub-directory of both `remote` and `local`. */
  split?: string | undefined;
  proportion?: number | undefined;
  repeat?: number | undefined;
  choose?: number | undefined;
  /** Download attempts in total. Default: the dataset's (2). */
  downloadRetry?: number | undefined;
  /** Seconds per download attempt. Default: the dataset's (60). */
  downloadTimeout?: number | undefined;
  /** Hash to verify on every fetch/decompression (`sha1`, `xxh64`, ...). Default: the dataset's. */
  validateHash?: string | undefined;
  /** Keep compressed files after decompressing. Default: the dataset's (false). */
  keepZip?: boolean | undefined;
}

/** A stream with every default applied and its directories worked out. */
export interface ResolvedStream {
  readonly id: number;
  /** Remote directory (with split), or undefined when `local` is the source. */
  readonly remoteDir: string | undefined;
  /** Local directory (with split): the cache, or the source when `remoteDir` is undefined. */
  readonly localDir: string;
  /** Where decompressed copies of a local source's compressed shards are written. */
  readonly cacheDir: string;
  readonly retries: number;
  readonly timeoutMs: number;
  readonly validateHash: string | undefined;
  /** upstream `safe_keep_zip`: keep compressed files (always when local is the source). */
  readonly keepZip: boolean;
  readonly proportion: number | undefined;
  readonly repeat: number | undefined;
  readonly choose: number | undefined;
}

/** Dataset-level defaults a stream inherits. */
export interface StreamDefaults {
  downloadRetry: number;
  downloadTimeout: number;
  validateHash: string | undefined;
  keepZip: boolean;
  cacheDir: string | undefined;
}

function digest(text: string, bytes: number): string {
  return createHash('blake2s256').update(text).digest('hex').slice(0, bytes * 2);
}

/**
 * Applies defaults and works out directories. Throws {@link InvalidArgumentError} for a stream
 * with neither `remote` nor `local`, or two streams sharing a local directory.
 *
 * @example
 * ```ts
 * resolveStreams([{ local: '/data/x' }], defaults)[0]!.remoteDir; // undefined
 * ```
 */
export function resolveStreams(streams: readonly StreamOptions[], defaults: StreamDefaults): ResolvedStream[] {
  const seen = new Set<string>();
  return streams.map((s, id) => {
    const where = `streams[${id}]`;
    if (s.remote === undefined && s.local === undefined) {
      throw new InvalidArgumentError(where, 'needs remote, local or both');
    }
    const split = s.split ?? '';
    const sameAsLocal = s.remote !== undefined && s.local !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(s.remote) && resolve(s.remote) === resolve(s.local);
    const remoteDir = s.remote === undefined || sameAsLocal ? undefined : joinRemote(s.remote, split);
    // Like upstream's default local, {tmpdir}/{hash of remote}/{split} (upstream uses a 16-byte
    // BLAKE2s digest; node:crypto only has the 32-byte one, so the folder names differ).
    const localRoot = s.local ?? join(tmpdir(), digest(s.remote!, 16));
    const localDir = resolve(join(localRoot, split));
    if (seen.has(localDir)) throw new InvalidArgumentError(where, `local directory ${localDir} is used by another stream`, 'give each stream its own local directory');
    seen.add(localDir);
    const cacheDir =
      remoteDir !== undefined
        ? localDir
        : resolve(join(defaults.cacheDir ?? join(tmpdir(), 'tessera-streaming'), digest(localDir, 8)));
    const validateHash = s.validateHash ?? defaults.validateHash;
    if (validateHash !== undefined) assertHashAlgorithm(validateHash, `${where} validateHash`);
    const retries = s.downloadRetry ?? defaults.downloadRetry;
    if (!Number.isInteger(retries) || retries < 1) throw new InvalidArgumentError(where, `downloadRetry must be a positive integer, got ${retries}`);
    const timeout = s.downloadTimeout ?? defaults.downloadTimeout;
    if (!(timeout > 0)) throw new InvalidArgumentError(where, `downloadTimeout must be positive seconds, got ${timeout}`);
    return {
      id,
      remoteDir,
      localDir,
      cacheDir,
      retries,
      timeoutMs: timeout * 1000,
      validateHash,
      keepZip: (s.keepZip ?? defaults.keepZip) || remoteDir === undefined,
      proportion: s.proportion,
      repeat: s.repeat,
      choose: s.choose,
    };
  });
}
