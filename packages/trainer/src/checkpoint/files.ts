/**
 * Durable file writes: data is fsynced before it is renamed into place, so a reader (or a run
 * restarted after SIGKILL or a power cut) sees the old file or the new one, never a prefix.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Write a file and fsync it.
 *
 * @example
 * ```ts
 * await writeFileDurable('ckpt/state.json', new TextEncoder().encode(json));
 * ```
 */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync an existing file. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a directory (its entries: renames and new files), where the platform allows it. */
export async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Directories cannot be opened or synced on some platforms (Windows); the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

/** A unique temporary name beside `path`, starting with `.tmp-` (cleaned up on the next start). */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.tmp-${basename(path)}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Write a file atomically: a temporary file beside it, fsync, rename over the target.
 *
 * @example
 * ```ts
 * await writeFileAtomic('runs/a/report.html', html);
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = temporaryPath(path);
  try {
    await writeFileDurable(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/**
 * SHA-256 of a file, hex.
 *
 * @example
 * ```ts
 * const digest = await sha256File('ckpt/model.safetensors');
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
