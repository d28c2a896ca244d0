/**
 * Shard hashes (spec §1.7), as lowercase hex digests identical to Python's `hashlib` and
 * `xxhash` packages: `md5`, `sha1`, `sha224`, `sha256`, `sha384`, `sha512`, `sha3_224`,
 * `sha3_256`, `sha3_384`, `sha3_512`, `blake2b`, `blake2s` (node:crypto) and `xxh32`, `xxh64`,
 * `xxh3_64`, `xxh128`/`xxh3_128` (hash-wasm, seed 0).
 *
 * @example
 * ```ts
 * await hashBytes('sha1', new TextEncoder().encode('abc')); // 'a9993e364706816aba3e25717850c26c9cd0d89d'
 * await hashBytes('xxh64', new Uint8Array(0));              // 'ef46db3751d8e999'
 * ```
 */
import { createHash } from 'node:crypto';
import { xxhash128, xxhash3, xxhash32, xxhash64 } from 'hash-wasm';
import { InvalidArgumentError } from './errors.js';

const NODE_HASHES: Readonly<Record<string, string>> = {
  md5: 'md5',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha3_224: 'sha3-224',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
};

const XX_HASHES: Readonly<Record<string, (data: Uint8Array) => Promise<string>>> = {
  xxh32: (d) => xxhash32(d),
  xxh64: (d) => xxhash64(d),
  xxh3_64: (d) => xxhash3(d),
  xxh128: (d) => xxhash128(d),
  xxh3_128: (d) => xxhash128(d),
};

/** Every hash algorithm name accepted by the writer and by `validateHash`. */
export const HASH_ALGORITHMS: readonly string[] = [...Object.keys(NODE_HASHES), ...Object.keys(XX_HASHES)];

/**
 * Throws {@link InvalidArgumentError} unless `algo` is a supported hash name.
 *
 * @example
 * ```ts
 * assertHashAlgorithm('sha1', 'MDSWriter'); // ok
 * ```
 */
export function assertHashAlgorithm(algo: string, where: string): void {
  if (!HASH_ALGORITHMS.includes(algo)) {
    throw new InvalidArgumentError(where, `unknown hash algorithm '${algo}'`, `use one of ${HASH_ALGORITHMS.join(', ')}`);
  }
}

/**
 * The lowercase hex digest of `data` under `algo`.
 *
 * @example
 * ```ts
 * await hashBytes('xxh3_64', bytes);
 * ```
 */
export async function hashBytes(algo: string, data: Uint8Array): Promise<string> {
  const node = NODE_HASHES[algo];
  if (node !== undefined) return createHash(node).update(data).digest('hex');
  const xx = XX_HASHES[algo];
  if (xx !== undefined) return xx(data);
  assertHashAlgorithm(algo, 'hashBytes');
  throw new Error('unreachable');
}
