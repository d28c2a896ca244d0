/**
 * Mid-epoch resumption (StreamingDataset `state_dict` / `load_state_dict` / `_resume`).
 *
 *   state = { epoch, sampleInEpoch, numCanonicalNodes, shuffleSeed, initialPhysicalNodes }
 *   sampleInEpoch = samples consumed this epoch, summed over all devices (Composer passes the
 *     epoch's sample count with fromBeginning; a loader that counts since the last resumption
 *     passes that count and the resumed offset is added).
 *   Loading: a state whose epoch is below the epoch about to start is stale and ignored; otherwise
 *     its epoch and offset are used, C, seed and initialPhysicalNodes replace the configured ones,
 *     and a block size that was not given follows the restored C.
 * The sample at global position q of an epoch depends on C and the seed but not on P, R, W or B,
 * so a run can resume with other node or worker counts: global batch k covers the same positions.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Partition } from './partition.js';
import { rankBatches } from './partition.js';
import { defaultShuffleBlockSize, type OrderConfig } from './sample-order.js';

/** What a checkpoint stores to resume the sample order. */
export interface OrderState {
  epoch: number;
  sampleInEpoch: number;
  numCanonicalNodes: number;
  shuffleSeed: number;
  initialPhysicalNodes: number | null;
}

/** The state as mosaicml-streaming writes it (Python names), for checkpoints shared with it. */
export interface UpstreamOrderState {
  epoch: number;
  sample_in_epoch: number;
  num_canonical_nodes: number;
  shuffle_seed: number;
  initial_physical_nodes?: number | null;
}

/**
 * `state_dict(numSamples, fromBeginning)`.
 *
 * @example
 * ```ts
 * orderStateDict(config, { epoch: 0, numSamples: 64, fromBeginning: true });
 * // { epoch: 0, sampleInEpoch: 64, numCanonicalNodes: 2, shuffleSeed: 9176, initialPhysicalNodes: 1 }
 * ```
 */
export function orderStateDict(
  config: OrderConfig,
  progress: { epoch: number; numSamples: number; fromBeginning?: boolean; resumeOffset?: number },
): OrderState {
  const offset = progress.fromBeginning === false ? (progress.resumeOffset ?? 0) : 0;
  return {
    epoch: progress.epoch,
    sampleInEpoch: offset + progress.numSamples,
    numCanonicalNodes: config.numCanonicalNodes,
    shuffleSeed: config.shuffleSeed,
    initialPhysicalNodes: config.initialPhysicalNodes ?? config.numPhysicalNodes,
  };
}

/**
 * Apply a loaded state before starting `presumedEpoch` (`_resume`): returns the configuration, epoch
 * and offset to generate the order with.
 *
 * @example
 * ```ts
 * const { config: resumed, epoch, sampleInEpoch } = resumeOrder(config, state, 0);
 * const order = epochOrder(resumed, epoch, sampleInEpoch);
 * ```
 */
export function resumeOrder(
  config: OrderConfig,
  state: OrderState | null,
  presumedEpoch: number,
): { config: OrderConfig; epoch: number; sampleInEpoch: number } {
  if (state === null || state.epoch < presumedEpoch) return { config, epoch: presumedEpoch, sampleInEpoch: 0 };
  for (const [name, value] of Object.entries(state)) {
    if (name === 'initialPhysicalNodes' && value === null) continue;
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      throw new InvalidArgumentError('resumeOrder', `state.${name} must be a non-negative integer, got ${String(value)}`);
    }
  }
  const numCanonicalNodes = state.numCanonicalNodes;
  return {
    config: {
      ...config,
      numCanonicalNodes,
      shuffleSeed: state.shuffleSeed,
      initialPhysicalNodes: state.initialPhysicalNodes,
      shuffleBlockSize: config.shuffleBlockSizeGiven ? config.shuffleBlockSize : defaultShuffleBlockSize(numCanonicalNodes),
    },
    epoch: state.epoch,
    sampleInEpoch: state.sampleInEpoch,
  };
}

/**
 * Samples all devices have consumed after `steps` batches each (what to pass as `numSamples`).
 *
 * @example
 * ```ts
 * samplesAfterSteps(order, 10); // 10 · P · R · B away from the end of the epoch
 * ```
 */
export function samplesAfterSteps(partition: Partition, steps: number): number {
  const [nodes, ranks] = partition.shape;
  let total = 0;
  for (let n = 0; n < nodes; n++) {
    for (let r = 0; r < ranks; r++) {
      for (const batch of rankBatches(partition, n, r).slice(0, steps)) total += batch.length;
    }
  }
  return total;
}

/**
 * Translate to mosaicml-streaming's state keys.
 *
 * @example
 * ```ts
 * JSON.stringify(toUpstreamState(state)); // {"epoch":0,"sample_in_epoch":64,...}
 * ```
 */
export function toUpstreamState(state: OrderState): UpstreamOrderState {
  return {
    epoch: state.epoch,
    sample_in_epoch: state.sampleInEpoch,
    num_canonical_nodes: state.numCanonicalNodes,
    shuffle_seed: state.shuffleSeed,
    initial_physical_nodes: state.initialPhysicalNodes,
  };
}

/**
 * Read mosaicml-streaming's state keys (`initial_physical_nodes` may be absent in old checkpoints).
 *
 * @example
 * ```ts
 * fromUpstreamState({ epoch: 1, sample_in_epoch: 0, num_canonical_nodes: 8, shuffle_seed: 9176 });
 * ```
 */
export function fromUpstreamState(state: UpstreamOrderState): OrderState {
  return {
    epoch: state.epoch,
    sampleInEpoch: state.sample_in_epoch,
    numCanonicalNodes: state.num_canonical_nodes,
    shuffleSeed: state.shuffle_seed,
    initialPhysicalNodes: state.initial_physical_nodes ?? null,
  };
}
