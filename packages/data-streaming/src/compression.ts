/**
 * Shard compression (spec §1.7): `family` or `family:level`, the family being the file
 * extension. Supported: `zstd` (1-22, default 3; fzstd decompresses, @bokuweb/zstd-wasm
 * compresses), `gz` (0-9, default 9; node:zlib), `br` (0-11, default 11; node:zlib) and
 * `snappy` (raw block format; snappyjs). `bz2` is refused with a clear error.
 *
 * Only the decompressed bytes must match upstream; compressed bytes may differ between
 * library versions (zstd here is libzstd 1.5.x, like Python's `zstd` package).
 *
 * @example
 * ```ts
 * const packed = await compressBytes('zstd:7', raw);
 * await decompressBytes('zstd:7', packed); // equals raw
 * parseCompression('gz'); // { family: 'gz', level: 9, extension: 'gz' }
 * ```
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { init as zstdInit, compress as zstdCompress } from '@bokuweb/zstd-wasm';
import { decompress as zstdDecompress } from 'fzstd';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappyjs';
import { InvalidArgumentError } from './errors.js';

/** A parsed compression setting. */
export interface Compression {
  family: 'zstd' | 'gz' | 'br' | 'snappy';
  level: number | null;
  /** File extension appended to the raw basename (`shard.00000.mds.zstd`). */
  extension: string;
}

const FAMILIES: Readonly<Record<Compression['family'], { min: number; max: number; default: number } | null>> = {
  zstd: { min: 1, max: 22, default: 3 },
  gz: { min: 0, max: 9, default: 9 },
  br: { min: 0, max: 11, default: 11 },
  snappy: null,
};

/**
 * Parses `family[:level]`. Throws {@link InvalidArgumentError} for unknown families, bad levels
 * and `bz2` (no maintained JavaScript bzip2 encoder).
 *
 * @example
 * ```ts
 * parseCompression('zstd:7'); // { family: 'zstd', level: 7, extension: 'zstd' }
 * ```
 */
export function parseCompression(name: string): Compression {
  const [family, levelText, ...rest] = name.split(':');
  if (family === 'bz2') {
    throw new InvalidArgumentError('compression', `'${name}': bz2 is not supported`, 'use zstd (the default upstream) or gz, br, snappy');
  }
  if (family === undefined || !Object.hasOwn(FAMILIES, family) || rest.length > 0) {
    throw new InvalidArgumentError('compression', `unknown compression '${name}'`, 'use zstd, zstd:<1-22>, gz[:0-9], br[:0-11] or snappy');
  }
  const f = family as Compression['family'];
  const range = FAMILIES[f];
  if (range === null) {
    if (levelText !== undefined) throw new InvalidArgumentError('compression', `'${name}': ${f} takes no level`);
    return { family: f, level: null, extension: f };
  }
  const level = levelText === undefined ? range.default : Number(levelText);
  if (!Number.isInteger(level) || level < range.min || level > range.max || (levelText !== undefined && !/^\d+$/.test(levelText))) {
    throw new InvalidArgumentError('compression', `'${name}': level must be an integer in ${range.min}..${range.max}`);
  }
  return { family: f, level, extension: f };
}

let zstdReady: Promise<void> | undefined;

/**
 * Compresses a raw shard.
 *
 * @example
 * ```ts
 * await compressBytes('gz:1', raw);
 * ```
 */
export async function compressBytes(name: string, data: Uint8Array): Promise<Uint8Array> {
  const c = parseCompression(name);
  switch (c.family) {
    case 'zstd':
      zstdReady ??= zstdInit();
      await zstdReady;
      return zstdCompress(data, c.level!);
    case 'gz':
      return gzipSync(data, { level: c.level! });
    case 'br':
      return brotliCompressSync(data, {
        params: { [zlibConstants.BROTLI_PARAM_QUALITY]: c.level!, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: data.length },
      });
    case 'snappy':
      return snappyCompress(data);
  }
}

/**
 * Decompresses a stored shard. Errors from the codec propagate; callers wrap them into a
 * `ShardIntegrityError` naming the shard.
 *
 * @example
 * ```ts
 * await decompressBytes('zstd', await readFile('shard.00000.mds.zstd'));
 * ```
 */
export async function decompressBytes(name: string, data: Uint8Array): Promise<Uint8Array> {
  const c = parseCompression(name);
  switch (c.family) {
    case 'zstd':
      return zstdDecompress(data);
    case 'gz':
      return gunzipSync(data);
    case 'br':
      return brotliDecompressSync(data);
    case 'snappy':
      return snappyUncompress(data);
  }
}
