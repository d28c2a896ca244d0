/**
 * Fetching one remote file into the local cache (spec §3.2): a local path (copy), `http(s)://`
 * (Node's fetch; our extension, upstream has none) or `s3://bucket/key` (`@aws-sdk/client-s3`,
 * an optional peer dependency loaded on first use, with a custom endpoint for S3-compatible
 * stores). Every download goes to a unique temp file and is renamed into place; it gets
 * `retries` attempts in total with exponential backoff; a missing object fails at once.
 *
 * @example
 * ```ts
 * await fetchToFile('https://example.test/data/index.json', '/cache/index.json', {
 *   retries: 2, timeoutMs: 60_000,
 * });
 * ```
 */
import { createWriteStream } from 'node:fs';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { DownloadError, InvalidArgumentError } from './errors.js';
import { tempPathFor } from './atomic-file.js';

/** How to reach an S3-compatible store (defaults come from the AWS environment variables). */
export interface S3Options {
  /** Endpoint URL for MinIO, R2, s3rver... Default: `S3_ENDPOINT_URL` env, else AWS. */
  endpoint?: string;
  /** Default: `AWS_REGION` env, else `us-east-1`. */
  region?: string;
  /** Default: the AWS SDK's credential chain (env, profile, ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style URLs (`endpoint/bucket/key`). Default true when an endpoint is set. */
  forcePathStyle?: boolean;
}

/** Options of one fetch. */
export interface FetchOptions {
  /** Attempts in total (upstream `download_retry`, default 2). */
  retries?: number;
  /** Per-attempt timeout in milliseconds (upstream `download_timeout`, default 60 s). */
  timeoutMs?: number;
  /** Cancels the download; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Milliseconds to wait after failed attempt `i` (0-based). Default `2^i s + U(0, 0.5) s`. */
  retryDelay?: (attempt: number) => number;
  s3?: S3Options;
}

/** Upstream's backoff: `2^i + U(0, 0.5)` seconds after failed attempt `i`. */
export function defaultRetryDelay(attempt: number): number {
  return 1000 * 2 ** attempt + Math.random() * 500;
}

/**
 * Joins a remote root and path parts with `/` (URLs) or the platform separator (paths).
 *
 * @example
 * ```ts
 * joinRemote('s3://bucket/data/', 'train', 'index.json'); // 's3://bucket/data/train/index.json'
 * ```
 */
export function joinRemote(root: string, ...parts: string[]): string {
  const kept = parts.filter((p) => p !== '');
  if (!isUrl(root)) return join(root, ...kept);
  return [root.replace(/\/+$/, ''), ...kept.map((p) => p.replace(/^\/+|\/+$/g, ''))].join('/');
}

function isUrl(remote: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(remote);
}

/** A fetch failure that should not be retried (missing object, bad configuration). */
class PermanentError extends Error {
  constructor(
    message: string,
    readonly notFound: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Downloads `remote` to `localPath` atomically, with retries. Throws {@link DownloadError}
 * (after the last attempt, or at once for a missing object) or the signal's reason on abort.
 *
 * @example
 * ```ts
 * await fetchToFile('/mnt/data/shard.00000.mds', '/cache/shard.00000.mds', { retries: 3 });
 * ```
 */
export async function fetchToFile(remote: string, localPath: string, options: FetchOptions = {}): Promise<void> {
  const retries = Math.max(1, options.retries ?? 2);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const delay = options.retryDelay ?? defaultRetryDelay;
  const signal = options.signal;
  let lastError: unknown;
  for (let attempt = 0; attempt < retries; attempt++) {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(timeoutMs);
    const attemptSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const tmp = tempPathFor(localPath);
    try {
      await fetchOnce(remote, tmp, attemptSignal, options.s3);
      await rename(tmp, localPath);
      return;
    } catch (error) {
      await rm(tmp, { force: true });
      if (signal?.aborted) throw signal.reason;
      if (error instanceof PermanentError) {
        throw new DownloadError(remote, attempt + 1, error.message, error.notFound, error.status);
      }
      lastError = timeout.aborted ? new Error(`timed out after ${timeoutMs} ms`) : error;
      if (attempt + 1 < retries) await sleep(delay(attempt), signal);
    }
  }
  const detail = lastError instanceof Error ? lastError.message : String(lastError);
  const status = (lastError as { status?: number } | undefined)?.status;
  throw new DownloadError(remote, retries, detail, false, status, lastError);
}

async function fetchOnce(remote: string, tmp: string, signal: AbortSignal, s3?: S3Options): Promise<void> {
  if (!isUrl(remote) || remote.startsWith('file://')) {
    const path = remote.startsWith('file://') ? fileURLToPath(remote) : remote;
    try {
      await copyFile(path, tmp);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PermanentError(`no such file ${path}`, true);
      throw error;
    }
    return;
  }
  const scheme = remote.slice(0, remote.indexOf(':')).toLowerCase();
  if (scheme === 'http' || scheme === 'https') return fetchHttp(remote, tmp, signal);
  if (scheme === 's3') return fetchS3(remote, tmp, signal, s3);
  throw new PermanentError(`remote scheme '${scheme}://' is not supported (use a local path, http(s):// or s3://)`, false);
}

class HttpStatusError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function fetchHttp(url: string, tmp: string, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, { signal, redirect: 'follow' });
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel();
    throw new PermanentError(`HTTP ${response.status} ${response.statusText}`, true, response.status);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    const error = new HttpStatusError(response.status, `HTTP ${response.status} ${response.statusText}`);
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      throw new PermanentError(error.message, false, response.status);
    }
    throw error;
  }
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  await pipeline(body, createWriteStream(tmp), { signal });
  const expected = response.headers.get('content-length');
  const encoding = response.headers.get('content-encoding');
  if (expected !== null && (encoding === null || encoding === 'identity')) {
    const got = (await stat(tmp)).size;
    if (got !== Number(expected)) throw new Error(`connection closed after ${got} of ${expected} bytes`);
  }
}

type S3Module = typeof import('@aws-sdk/client-s3');
let s3Module: Promise<S3Module> | undefined;
const s3Clients = new Map<string, InstanceType<S3Module['S3Client']>>();

async function loadS3(): Promise<S3Module> {
  s3Module ??= import('@aws-sdk/client-s3').catch((cause: unknown) => {
    s3Module = undefined;
    throw new InvalidArgumentError('s3', 'reading s3:// remotes needs the optional peer dependency @aws-sdk/client-s3',
      `install it: npm install @aws-sdk/client-s3 (${(cause as Error).message})`);
  });
  return s3Module;
}

async function fetchS3(url: string, tmp: string, signal: AbortSignal, options: S3Options = {}): Promise<void> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new PermanentError(`bad S3 URL ${url} (expected s3://bucket/key)`, false);
  const [, bucket, key] = m as unknown as [string, string, string];
  let sdk: S3Module;
  try {
    sdk = await loadS3();
  } catch (error) {
    throw new PermanentError((error as Error).message, false);
  }
  const endpoint = options.endpoint ?? process.env.S3_ENDPOINT_URL;
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const cacheKey = JSON.stringify([endpoint, region, options.credentials, options.forcePathStyle]);
  let client = s3Clients.get(cacheKey);
  if (client === undefined) {
    client = new sdk.S3Client({
      region,
      ...(endpoint === undefined ? {} : { endpoint }),
      forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      maxAttempts: 1,
    });
    s3Clients.set(cacheKey, client);
  }
  let output;
  try {
    output = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (e.name === 'NoSuchKey' || e.name === 'NoSuchBucket' || e.name === 'NotFound' || status === 404) {
      throw new PermanentError(`${e.name ?? 'NotFound'} (s3://${bucket}/${key})`, true, status ?? 404);
    }
    if (e.name === 'AccessDenied' || e.name === 'InvalidAccessKeyId' || status === 403) {
      throw new PermanentError(`${e.name ?? 'AccessDenied'}: check credentials for s3://${bucket}`, false, status ?? 403);
    }
    throw error;
  }
  if (output.Body === undefined) throw new Error('S3 returned no body');
  await pipeline(output.Body as NodeJS.ReadableStream, createWriteStream(tmp), { signal });
  if (output.ContentLength !== undefined) {
    const got = (await stat(tmp)).size;
    if (got !== output.ContentLength) throw new Error(`connection closed after ${got} of ${output.ContentLength} bytes`);
  }
}
