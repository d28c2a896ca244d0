/**
 * Atomic file writes: the bytes go to a unique temporary file beside the target, are flushed
 * to disk, and the temporary file is renamed over the target. A crash leaves either the old
 * state or a `*.tmp-*` file that no reader opens, never a half-written shard under its real name.
 *
 * @example
 * ```ts
 * await writeFileAtomic('out/index.json', text);
 * ```
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/** Marker in temporary file names; readers and cache scans ignore such files. */
export const TEMP_MARKER = '.tmp-';

/**
 * A unique temporary path beside `path`.
 *
 * @example
 * ```ts
 * tempPathFor('/data/shard.00000.mds'); // '/data/shard.00000.mds.tmp-1234-9f8e7d6c'
 * ```
 */
export function tempPathFor(path: string): string {
  return `${path}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Writes `data` to `path` atomically (temp file + fsync + rename).
 *
 * @example
 * ```ts
 * await writeFileAtomic('/data/shard.00000.mds', bytes);
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(path);
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.datasync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
