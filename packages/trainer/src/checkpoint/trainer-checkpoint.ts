/**
 * What a trainer checkpoint holds and how it is restored: weights (the model's own format via
 * `Trainable.save`/`load`, else `model.safetensors`), optimizer tensors
 * (`optimizer.safetensors`) and `state.json`:
 *
 *   { format, version, runName, seed, timestamp, previousTimestamp, lr,
 *     optimizer: { name, hyperparameters, step }, scheduler: name | null,
 *     rng: { scheme: 'per-batch', seed }, data: { train: loader.stateDict() | null },
 *     callbacks: { name: state }, metadata: { microBatchSize, dataParallelWorkers, savedAt } }
 *
 * Schedulers are pure functions of the timestamp, so they need no state beyond it; randomness
 * is derived per batch from the seed (see rng.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventBus, TrainerState } from '../events.js';
import { CheckpointIntegrityError, TrainerConfigError } from '../errors.js';
import type { Hyperparameters, Optimizer } from '../optim/optimizer.js';
import { Timestamp, type TimestampFields } from '../time.js';
import { checkpointName, writeCheckpoint } from './checkpoint.js';
import { writeFileDurable } from './files.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

const STATE_FORMAT = 'tessera-trainer-state';
const STATE_VERSION = 1;

/** Data that can say where it is and resume there (e.g. `@tessera/data-streaming`'s loader). */
export interface ResumableData {
  stateDict(): unknown;
  loadStateDict(state: unknown): void;
}

/** `state.json`. */
export interface CheckpointState {
  readonly format: typeof STATE_FORMAT;
  readonly version: number;
  readonly runName: string;
  readonly seed: number;
  readonly timestamp: TimestampFields;
  readonly previousTimestamp: TimestampFields;
  readonly lr: number;
  readonly optimizer: { readonly name: string; readonly hyperparameters: Hyperparameters; readonly step: number };
  readonly scheduler: string | null;
  readonly rng: { readonly scheme: 'per-batch'; readonly seed: number };
  readonly data: { readonly train: unknown };
  readonly callbacks: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** What saving and loading touch. */
export interface CheckpointContext {
  readonly state: TrainerState;
  readonly optimizer: Optimizer;
  readonly trainData: unknown;
  readonly events: EventBus;
  readonly schedulerName: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
}

function resumable(data: unknown): ResumableData | undefined {
  const d = data as Partial<ResumableData> | null;
  return typeof d?.stateDict === 'function' && typeof d.loadStateDict === 'function' ? (d as ResumableData) : undefined;
}

/**
 * Write the trainer's checkpoint for the current timestamp into `saveFolder`.
 *
 * @example
 * ```ts
 * const path = await saveTrainerCheckpoint('runs/a', context); // runs/a/ep0-ba100
 * ```
 */
export async function saveTrainerCheckpoint(saveFolder: string, context: CheckpointContext): Promise<string> {
  const { state, optimizer } = context;
  const model = state.model;
  const optimizerState = optimizer.stateDict();
  const json: CheckpointState = {
    format: STATE_FORMAT, version: STATE_VERSION, runName: state.runName, seed: state.seed,
    timestamp: state.timestamp.toJSON(), previousTimestamp: state.previousTimestamp.toJSON(), lr: state.lr,
    optimizer: { name: optimizerState.name, hyperparameters: optimizerState.hyperparameters, step: optimizerState.step },
    scheduler: context.schedulerName, rng: { scheme: 'per-batch', seed: state.seed },
    data: { train: resumable(context.trainData)?.stateDict() ?? null },
    callbacks: context.events.stateDict(),
    metadata: { ...context.metadata, savedAt: new Date().toISOString() },
  };
  return writeCheckpoint(saveFolder, checkpointName(state.timestamp), async (dir) => {
    if (model.save) await model.save(dir);
    else await writeFileDurable(join(dir, 'model.safetensors'), await encodeSafetensors(model.parameters()));
    await writeFileDurable(join(dir, 'optimizer.safetensors'), await encodeSafetensors(optimizerState.tensors));
    await writeFileDurable(join(dir, 'state.json'), `${JSON.stringify(json, null, 1)}\n`);
  });
}

/**
 * Restore model, optimizer, clock, seed, data position and callback states from a verified
 * checkpoint folder. Returns the saved data-loader state (applied when the epoch is opened).
 *
 * @example
 * ```ts
 * await verifyCheckpoint(dir);
 * const { dataState } = await loadTrainerCheckpoint(dir, context);
 * ```
 */
export async function loadTrainerCheckpoint(dir: string, context: CheckpointContext): Promise<{ dataState: unknown }> {
  const { state, optimizer } = context;
  const model = state.model;
  let json: CheckpointState;
  try {
    json = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as CheckpointState;
  } catch (cause) {
    throw new CheckpointIntegrityError(dir, `state.json is unreadable (${(cause as Error).message})`, 'state.json');
  }
  if (json.format !== STATE_FORMAT || json.version !== STATE_VERSION) {
    throw new CheckpointIntegrityError(dir, `state.json is not a version-${STATE_VERSION} ${STATE_FORMAT} file`, 'state.json');
  }
  if (model.load) await model.load(dir);
  else {
    const weights = decodeSafetensors(await readFile(join(dir, 'model.safetensors')), join(dir, 'model.safetensors'));
    const current = model.parameters();
    const missing = Object.keys(current).filter((n) => !(n in weights));
    const misshaped = Object.keys(current).filter((n) => n in weights && weights[n]!.shape.join() !== current[n]!.shape.join());
    if (missing.length || misshaped.length) {
      for (const t of Object.values(weights)) t.dispose();
      throw new TrainerConfigError('checkpoint', `${dir} does not fit the model: missing ${missing.join(', ') || 'none'}; misshaped ${misshaped.join(', ') || 'none'}`,
        'resume with the model configuration the run started with');
    }
    model.setParameters(Object.fromEntries(Object.keys(current).map((n) => [n, weights[n]!])));
  }
  const tensors = decodeSafetensors(await readFile(join(dir, 'optimizer.safetensors')), join(dir, 'optimizer.safetensors'));
  optimizer.loadStateDict({ ...json.optimizer, tensors });
  state.timestamp = new Timestamp(json.timestamp);
  state.previousTimestamp = new Timestamp(json.previousTimestamp);
  state.lr = json.lr;
  state.seed = json.seed;
  state.lastCheckpoint = dir;
  context.events.loadStateDict(json.callbacks);
  const dataState = json.data.train;
  if (dataState !== null && dataState !== undefined) resumable(context.trainData)?.loadStateDict(dataState);
  return { dataState };
}
