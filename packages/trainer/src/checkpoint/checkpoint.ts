/**
 * Checkpoint folders. A checkpoint is a folder `ep{epoch}-ba{batch}` in the save folder:
 *
 *   model.safetensors (+ config.json ...)   the weights (Trainable.save, or the trainer's F32 writer)
 *   optimizer.safetensors                   optimizer state tensors, `<state>/<parameter>`
 *   state.json                              timestamp, optimizer step and hyperparameters, scheduler,
 *                                           seed, data-loader state, callback states, metadata
 *   manifest.json                           magic, version, and every other file's size and SHA-256
 *
 * It is assembled in a `.tmp-*` folder, every file fsynced, the manifest written last, and the
 * folder renamed into place: a folder with a final name is complete. Bytes altered or cut off
 * later are caught by the manifest on load, and autoresume falls back to the previous folder.
 */
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointIntegrityError } from '../errors.js';
import { sha256File, syncDirectory, syncFile, temporaryPath, writeFileDurable } from './files.js';

/** The manifest's magic and version. */
export const CHECKPOINT_MAGIC = 'tessera-trainer-checkpoint';
export const CHECKPOINT_VERSION = 1;

/**
 * `manifest.json`.
 *
 * @example
 * ```ts
 * const manifest = await verifyCheckpoint('runs/a/ep0-ba100'); // throws if a file is altered
 * ```
 */
export interface CheckpointManifest {
  readonly magic: typeof CHECKPOINT_MAGIC;
  readonly version: number;
  readonly files: Readonly<Record<string, { readonly bytes: number; readonly sha256: string }>>;
}

const NAME = /^ep(\d+)-ba(\d+)$/;

/**
 * The folder name of a checkpoint (Composer's default `ep{epoch}-ba{batch}`).
 *
 * @example
 * ```ts
 * checkpointName({ epoch: 1, batch: 250 }); // 'ep1-ba250'
 * ```
 */
export function checkpointName(timestamp: { epoch: number; batch: number }): string {
  return `ep${timestamp.epoch}-ba${timestamp.batch}`;
}

/**
 * Write a checkpoint folder atomically. `fill` writes the payload files into the (temporary)
 * folder; the manifest is computed from what it wrote.
 *
 * @example
 * ```ts
 * await writeCheckpoint('runs/a', 'ep0-ba100', async (dir) => { await writeFileDurable(join(dir, 'state.json'), json); });
 * ```
 */
export async function writeCheckpoint(saveFolder: string, name: string, fill: (dir: string) => Promise<void>): Promise<string> {
  await mkdir(saveFolder, { recursive: true });
  const final = join(saveFolder, name);
  const temporary = temporaryPath(final);
  await mkdir(temporary);
  try {
    await fill(temporary);
    const files: Record<string, { bytes: number; sha256: string }> = {};
    for (const entry of (await readdir(temporary, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!entry.isFile()) throw new CheckpointIntegrityError(final, 'checkpoints hold files only', entry.name);
      const path = join(temporary, entry.name);
      await syncFile(path); // whoever wrote it (Trainable.save), it is on disk before the rename
      files[entry.name] = { bytes: (await stat(path)).size, sha256: await sha256File(path) };
    }
    const manifest: CheckpointManifest = { magic: CHECKPOINT_MAGIC, version: CHECKPOINT_VERSION, files };
    await writeFileDurable(join(temporary, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    await syncDirectory(temporary);
    // Same name again (only when a run re-saves a batch): move the old one aside first.
    const old = await exists(final) ? temporaryPath(final) : undefined;
    if (old) await rename(final, old);
    await rename(temporary, final);
    await syncDirectory(saveFolder);
    if (old) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  return final;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Check a checkpoint folder against its manifest: every listed file present with the recorded
 * size and SHA-256.
 *
 * @example
 * ```ts
 * try { await verifyCheckpoint(dir); } catch (e) { if (CheckpointIntegrityError.isInstance(e)) console.warn(e.message); }
 * ```
 */
export async function verifyCheckpoint(path: string): Promise<CheckpointManifest> {
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8')) as CheckpointManifest;
  } catch (cause) {
    throw new CheckpointIntegrityError(path, `no readable manifest (${(cause as Error).message})`, 'manifest.json');
  }
  if (manifest.magic !== CHECKPOINT_MAGIC || manifest.version !== CHECKPOINT_VERSION || typeof manifest.files !== 'object') {
    throw new CheckpointIntegrityError(path, `manifest is not a version-${CHECKPOINT_VERSION} ${CHECKPOINT_MAGIC} manifest`, 'manifest.json');
  }
  for (const [file, expected] of Object.entries(manifest.files)) {
    const full = join(path, file);
    const size = await stat(full).then((s) => s.size, () => -1);
    if (size < 0) throw new CheckpointIntegrityError(path, 'file is missing', file);
    if (size !== expected.bytes) throw new CheckpointIntegrityError(path, `file has ${size} bytes, the manifest says ${expected.bytes} (truncated?)`, file);
    if ((await sha256File(full)) !== expected.sha256) throw new CheckpointIntegrityError(path, 'SHA-256 differs from the manifest (corrupt)', file);
  }
  return manifest;
}

/**
 * Checkpoint folders in a save folder, newest (highest batch) first.
 *
 * @example
 * ```ts
 * const [newest] = await listCheckpoints('runs/a'); // { name: 'ep2-ba300', path, epoch: 2, batch: 300 }
 * ```
 */
export async function listCheckpoints(saveFolder: string): Promise<{ name: string; path: string; epoch: number; batch: number }[]> {
  const entries = await readdir(saveFolder, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && NAME.test(e.name))
    .map((e) => {
      const [, epoch, batch] = NAME.exec(e.name)!;
      return { name: e.name, path: join(saveFolder, e.name), epoch: Number(epoch), batch: Number(batch) };
    })
    .sort((a, b) => b.batch - a.batch || b.epoch - a.epoch);
}

/**
 * Delete all but the newest `keep` checkpoints (keep < 0: keep all).
 *
 * @example
 * ```ts
 * await pruneCheckpoints('runs/a', 3);
 * ```
 */
export async function pruneCheckpoints(saveFolder: string, keep: number): Promise<void> {
  if (keep < 0) return;
  for (const old of (await listCheckpoints(saveFolder)).slice(keep)) await rm(old.path, { recursive: true, force: true });
}

/**
 * Remove `.tmp-*` leftovers of writes that a crash interrupted.
 *
 * @example
 * ```ts
 * await removeTemporaries('runs/a');
 * ```
 */
export async function removeTemporaries(saveFolder: string): Promise<void> {
  for (const name of await readdir(saveFolder).catch(() => [] as string[])) {
    if (name.startsWith('.tmp-')) await rm(join(saveFolder, name), { recursive: true, force: true });
  }
}
