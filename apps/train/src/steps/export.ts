/**
 * `export` and the model folders the other commands accept. A run folder's checkpoints are
 * already Hugging Face folders (the adapter writes them so); `export` takes the newest one that
 * passes its manifest check, loads it (proving it loads), and writes a clean folder:
 * `config.json`, `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MPTForCausalLM } from '@tessera/model';
import { CheckpointIntegrityError, listCheckpoints, verifyCheckpoint } from '@tessera/trainer';
import { UsageError } from '../errors.js';
import type { Reporter } from '../report.js';

/**
 * The Hugging Face folder a path names: itself when it holds config.json, else the newest valid
 * checkpoint of the run folder.
 *
 * @example
 * ```ts
 * await resolveModelFolder('runs/tiny'); // 'runs/tiny/ep0-ba40'
 * ```
 */
export async function resolveModelFolder(path: string, reporter?: Reporter): Promise<string> {
  if (existsSync(join(path, 'config.json'))) return path;
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`, 'give a run folder (a save_folder of pretrain/finetune) or a Hugging Face model folder');
  for (const checkpoint of await listCheckpoints(path)) {
    try {
      await verifyCheckpoint(checkpoint.path);
      return checkpoint.path;
    } catch (error) {
      if (!CheckpointIntegrityError.isInstance(error)) throw error;
      reporter?.warn(`skipping checkpoint ${checkpoint.path}: ${error.message.split('\n')[0]}`);
    }
  }
  throw new UsageError(`${path} holds no checkpoint (ep*-ba* folder) and no config.json`, 'train first: tessera-train pretrain <config.yaml> save_folder=<this folder>');
}

/**
 * Export the newest checkpoint of a run folder (or a checkpoint folder) as a Hugging Face folder.
 *
 * @example
 * ```ts
 * const { checkpoint } = await exportModel('runs/tiny', 'runs/tiny/hf', reporter);
 * ```
 */
export async function exportModel(from: string, out: string, reporter: Reporter): Promise<{ checkpoint: string; files: string[] }> {
  const checkpoint = await resolveModelFolder(from, reporter);
  if (resolve(checkpoint) === resolve(out)) throw new UsageError(`${out} is the checkpoint being exported`, 'choose another output folder');
  for (const file of ['tokenizer.json']) {
    if (!existsSync(join(checkpoint, file))) throw new UsageError(`${checkpoint} has no ${file}`, 'checkpoints written by tessera-train carry the tokenizer; for other folders copy it in first');
  }
  const model = await MPTForCausalLM.fromPretrained(checkpoint);
  try {
    await mkdir(out, { recursive: true });
    await model.savePretrained(out);
  } finally {
    model.dispose();
  }
  const files = ['config.json', 'model.safetensors'];
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
    if (!existsSync(join(checkpoint, file))) continue;
    await copyFile(join(checkpoint, file), join(out, file));
    files.push(file);
  }
  reporter.result('export', `[export] ${checkpoint} -> ${out} (${files.join(', ')})`, { checkpoint, out, files: files.join(',') });
  return { checkpoint, files };
}
