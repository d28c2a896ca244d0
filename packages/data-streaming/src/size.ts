/**
 * Human byte sizes as upstream's `bytes_to_int` reads them: an integer, or a number (possibly
 * fractional) with a suffix `b`, `kb`, `mb`, `gb`, `tb`, `pb`, `eb`, `zb`, `yb` (powers of
 * 1024, case-insensitive), truncated to an integer.
 *
 * @example
 * ```ts
 * parseSize('64mb');  // 67108864
 * parseSize('1.5kb'); // 1536
 * parseSize(4096);    // 4096
 * ```
 */
import { InvalidArgumentError } from './errors.js';

const UNITS = ['b', 'kb', 'mb', 'gb', 'tb', 'pb', 'eb', 'zb', 'yb'];

/**
 * Bytes in `size`; throws {@link InvalidArgumentError} (with `where` in the message) if malformed.
 *
 * @example
 * ```ts
 * parseSize('10gb', 'cacheLimit'); // 10737418240
 * ```
 */
export function parseSize(size: number | string, where = 'parseSize'): number {
  if (typeof size === 'number') {
    if (!Number.isFinite(size) || size < 0) throw new InvalidArgumentError(where, `size ${size} must be a non-negative number of bytes`);
    return Math.trunc(size);
  }
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*$/.exec(size);
  const unit = (m?.[2] ?? '').toLowerCase();
  const power = unit === '' ? 0 : UNITS.indexOf(unit);
  if (!m || power < 0) {
    throw new InvalidArgumentError(where, `cannot read '${size}' as a byte size`, "write e.g. 1048576, '64mb' or '1.5gb'");
  }
  return Math.trunc(Number(m[1]) * 1024 ** power);
}
