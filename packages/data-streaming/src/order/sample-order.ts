/**
 * The sample order of an epoch, end to end (mosaicml-streaming's default `random` batching):
 *
 *   1. resample streams  -> shuffle units (span sizes) and smallPerBig (big id -> sample id)
 *   2. partition positions 0..E-1 over [P][R][W][M][B], dropping the first sampleInEpoch
 *   3. if shuffle: replace every position x != -1 by perm[x] (perm = the epoch's shuffle)
 *   4. replace every big id y != -1 by smallPerBig[y]
 *
 * Defaults as upstream: shuffle off, shuffleAlgo 'py1e', shuffleSeed 9176, numCanonicalNodes = P
 * (64·P for py1s/py2s), shuffleBlockSize = max(4_000_000 // C, 2^18), partitionAlgo 'relaxed',
 * samplingMethod 'balanced', samplingGranularity 1.
 */
import { InvalidArgumentError } from '../errors.js';
import { getPartitions, type Partition, type PartitionAlgo } from './partition.js';
import { resampleStreams, type SamplingMethod } from './sampling.js';
import { getShuffle, type ShuffleAlgo } from './shuffle.js';
import { applyStreamWeights, type OrderStream, type WeightedStream } from './weights.js';

/** What fixes a run's sample order (camelCase of StreamingDataset's arguments). */
export interface OrderOptions {
  /** One or more streams, in order; their shards are concatenated (global sample ids). */
  streams: readonly OrderStream[];
  /** Per-device batch size (the DataLoader's). Required: the partition depends on it. */
  batchSize: number;
  shuffle?: boolean;
  shuffleAlgo?: ShuffleAlgo;
  shuffleSeed?: number;
  /** Default `max(4_000_000 // numCanonicalNodes, 1 << 18)`. */
  shuffleBlockSize?: number | null;
  /** Default the number of physical nodes (64× that for `py1s` / `py2s`). */
  numCanonicalNodes?: number | null;
  numPhysicalNodes?: number;
  ranksPerNode?: number;
  workersPerRank?: number;
  partitionAlgo?: PartitionAlgo;
  /** P of the first run, from a resumption state; `null` on a first run. */
  initialPhysicalNodes?: number | null;
  samplingMethod?: SamplingMethod;
  samplingGranularity?: number;
  /** Samples per epoch when streams are weighted relatively (default: all their samples). */
  epochSize?: number | null;
}

/** {@link OrderOptions} with every default resolved and stream weights applied. */
export interface OrderConfig {
  streams: WeightedStream[];
  epochSize: number;
  batchSize: number;
  shuffle: boolean;
  shuffleAlgo: ShuffleAlgo;
  shuffleSeed: number;
  shuffleBlockSize: number;
  /** Whether the block size was given (else it follows `numCanonicalNodes` on resumption). */
  shuffleBlockSizeGiven: boolean;
  numCanonicalNodes: number;
  numPhysicalNodes: number;
  ranksPerNode: number;
  workersPerRank: number;
  partitionAlgo: PartitionAlgo;
  initialPhysicalNodes: number | null;
  samplingMethod: SamplingMethod;
  samplingGranularity: number;
}

/** One epoch's order: the partition with underlying sample ids, and upstream's warnings. */
export interface EpochOrder extends Partition {
  epoch: number;
  sampleInEpoch: number;
}

/**
 * Upstream's default shuffle block size for `numCanonicalNodes`.
 *
 * @example
 * ```ts
 * defaultShuffleBlockSize(1); // 4_000_000
 * defaultShuffleBlockSize(64); // 262_144
 * ```
 */
export function defaultShuffleBlockSize(numCanonicalNodes: number): number {
  return Math.max(Math.floor(4_000_000 / numCanonicalNodes), 1 << 18);
}

/**
 * Upstream's default number of canonical nodes for a first run on `numPhysicalNodes` nodes.
 *
 * @example
 * ```ts
 * defaultNumCanonicalNodes('py1e', 2); // 2
 * defaultNumCanonicalNodes('py1s', 2); // 128
 * ```
 */
export function defaultNumCanonicalNodes(shuffleAlgo: ShuffleAlgo, numPhysicalNodes: number): number {
  return shuffleAlgo === 'py1s' || shuffleAlgo === 'py2s' ? 64 * numPhysicalNodes : numPhysicalNodes;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError('resolveOrderConfig', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Resolve defaults and apply stream weights (once per run, with the constructor's seed).
 *
 * @example
 * ```ts
 * const config = resolveOrderConfig({ streams: [{ shardSizes: [100, 80, 120] }], batchSize: 4, shuffle: true });
 * config.shuffleBlockSize; // 4_000_000
 * ```
 */
export function resolveOrderConfig(options: OrderOptions): OrderConfig {
  const numPhysicalNodes = positiveInteger('numPhysicalNodes', options.numPhysicalNodes ?? 1);
  const shuffleAlgo = options.shuffleAlgo ?? 'py1e';
  const shuffleSeed = options.shuffleSeed ?? 9176;
  if (!Number.isSafeInteger(shuffleSeed) || shuffleSeed < 0) {
    throw new InvalidArgumentError('resolveOrderConfig', `shuffleSeed must be a non-negative integer, got ${shuffleSeed}`);
  }
  const numCanonicalNodes = positiveInteger(
    'numCanonicalNodes',
    options.numCanonicalNodes ?? defaultNumCanonicalNodes(shuffleAlgo, numPhysicalNodes),
  );
  const given = options.shuffleBlockSize ?? null;
  const weighted = applyStreamWeights(options.streams, { epochSize: options.epochSize ?? null, seed: shuffleSeed });
  return {
    streams: weighted.streams,
    epochSize: weighted.epochSize,
    batchSize: positiveInteger('batchSize', options.batchSize),
    shuffle: options.shuffle ?? false,
    shuffleAlgo,
    shuffleSeed,
    shuffleBlockSize: given === null ? defaultShuffleBlockSize(numCanonicalNodes) : positiveInteger('shuffleBlockSize', given),
    shuffleBlockSizeGiven: given !== null,
    numCanonicalNodes,
    numPhysicalNodes,
    ranksPerNode: positiveInteger('ranksPerNode', options.ranksPerNode ?? 1),
    workersPerRank: positiveInteger('workersPerRank', options.workersPerRank || 1),
    partitionAlgo: options.partitionAlgo ?? 'relaxed',
    initialPhysicalNodes: options.initialPhysicalNodes ?? null,
    samplingMethod: options.samplingMethod ?? 'balanced',
    samplingGranularity: positiveInteger('samplingGranularity', options.samplingGranularity ?? 1),
  };
}

/**
 * The sample ids of one epoch for every (node, rank, worker), resuming after `sampleInEpoch`
 * samples. Use `workerSamples` / `rankBatches` / `globalBatches` to read it.
 *
 * @example
 * ```ts
 * const config = resolveOrderConfig({ streams: [{ shardSizes: [100, 80, 120] }], batchSize: 4,
 *   shuffle: true, numCanonicalNodes: 2, workersPerRank: 2, shuffleBlockSize: 256 });
 * const order = epochOrder(config, 0);
 * workerSamples(order, 0, 0, 1); // what worker 1 of rank 0 yields this epoch
 * ```
 */
export function epochOrder(config: OrderConfig, epoch: number, sampleInEpoch = 0): EpochOrder {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new InvalidArgumentError('epochOrder', `epoch must be a non-negative integer, got ${epoch}`);
  const { shuffleUnits, smallPerBig } = resampleStreams(config.streams, {
    shuffleSeed: config.shuffleSeed,
    epoch,
    samplingMethod: config.samplingMethod,
    samplingGranularity: config.samplingGranularity,
  });
  const partition = getPartitions(config.partitionAlgo, {
    numSamples: config.epochSize,
    numCanonicalNodes: config.numCanonicalNodes,
    numPhysicalNodes: config.numPhysicalNodes,
    ranksPerNode: config.ranksPerNode,
    workersPerRank: config.workersPerRank,
    batchSize: config.batchSize,
    dropFirst: sampleInEpoch,
    initialPhysicalNodes: config.initialPhysicalNodes,
  });
  const ids = partition.ids;
  const warnings = [...partition.warnings];
  if (config.shuffle) {
    const shuffled = getShuffle(
      config.shuffleAlgo,
      shuffleUnits,
      config.numCanonicalNodes,
      config.shuffleSeed,
      epoch,
      config.shuffleBlockSize,
    );
    warnings.push(...shuffled.warnings);
    const perm = shuffled.ids;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== -1) ids[i] = perm[ids[i]!]!;
  }
  for (let i = 0; i < ids.length; i++) if (ids[i] !== -1) ids[i] = smallPerBig[ids[i]!]!;
  return { shape: partition.shape, ids, warnings, epoch, sampleInEpoch };
}

/**
 * One-call form: `epochOrder(resolveOrderConfig(options), epoch, sampleInEpoch)`.
 *
 * @example
 * ```ts
 * const order = sampleOrder({ streams: [{ shardSizes: [100, 80, 120] }], epoch: 0, batchSize: 4, shuffle: true });
 * order.shape; // [1, 1, 1, 75, 4]
 * ```
 */
export function sampleOrder(options: OrderOptions & { epoch: number; sampleInEpoch?: number }): EpochOrder {
  return epochOrder(resolveOrderConfig(options), options.epoch, options.sampleInEpoch ?? 0);
}
