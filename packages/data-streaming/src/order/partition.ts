/**
 * The 5-D partition of an epoch's sample positions over the world, and its accessors.
 *
 * Shape `[P physical nodes][R ranks per node][W workers per rank][M batches per worker][B batch size]`,
 * row-major, `-1` = padding. Entries are positions `0..E-1` in the epoch's (shuffled) order, or,
 * after {@link sampleOrder}, underlying sample ids.
 *
 * Consumption: worker (n, r, w) yields its `[M][B]` block flattened, skipping `-1`; a PyTorch-style
 * data loader takes one batch from each worker in turn, so rank (n, r) sees its batches in the
 * order k = m·W + w, and global batch k of the run is the union over devices of their k-th batch.
 */
import { InvalidArgumentError } from '../errors.js';
import { partitionOrig } from './partition-orig.js';
import { partitionRelaxed } from './partition-relaxed.js';

/** `[physical nodes, ranks per node, workers per rank, batches per worker, batch size]`. */
export type PartitionShape = [nodes: number, ranks: number, workers: number, batches: number, batchSize: number];

/** An epoch's partition: row-major ids with `-1` for padding, plus warnings upstream would emit. */
export interface Partition {
  shape: PartitionShape;
  ids: Float64Array;
  warnings: string[];
}

/** The partition algorithms: `relaxed` (default) and `orig`. */
export type PartitionAlgo = 'orig' | 'relaxed';

/** Arguments of {@link getPartitions}. */
export interface PartitionOptions {
  numSamples: number;
  numCanonicalNodes: number;
  numPhysicalNodes: number;
  ranksPerNode: number;
  workersPerRank: number;
  batchSize: number;
  /** Samples of this epoch already seen (`sample_in_epoch`); rounded down to a multiple of P. */
  dropFirst?: number;
  /** P when the run started, from the resumption state; `null`/absent on a first run. */
  initialPhysicalNodes?: number | null;
}

function checkCount(where: string, name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(where, `${name} must be an integer >= ${min}, got ${value}`);
  }
}

/**
 * `get_partitions(algo, ...)`: partition positions `0..numSamples-1` over nodes, ranks, workers
 * and batches, dropping the first `dropFirst`.
 *
 * @example
 * ```ts
 * const p = getPartitions('orig', { numSamples: 37, numCanonicalNodes: 2, numPhysicalNodes: 1,
 *   ranksPerNode: 2, workersPerRank: 1, batchSize: 4 });
 * p.shape; // [1, 2, 1, 5, 4]
 * Array.from(workerIds(p, 0, 0, 0)).slice(16); // [16, 17, 17, -1]
 * ```
 */
export function getPartitions(algo: PartitionAlgo, options: PartitionOptions): Partition {
  const where = `getPartitions(${algo})`;
  checkCount(where, 'numSamples', options.numSamples, 1);
  checkCount(where, 'numCanonicalNodes', options.numCanonicalNodes, 1);
  checkCount(where, 'numPhysicalNodes', options.numPhysicalNodes, 1);
  checkCount(where, 'ranksPerNode', options.ranksPerNode, 1);
  checkCount(where, 'workersPerRank', options.workersPerRank, 1);
  checkCount(where, 'batchSize', options.batchSize, 1);
  const dropFirst = options.dropFirst ?? 0;
  checkCount(where, 'dropFirst', dropFirst, 0);
  const initial = options.initialPhysicalNodes ?? null;
  if (initial !== null) checkCount(where, 'initialPhysicalNodes', initial, 1);
  // Up to one sample per device is repeated so every device gets as many; past that is an error.
  const worldSize = options.ranksPerNode * options.numPhysicalNodes;
  const numRepeated = worldSize - (options.numSamples % worldSize);
  if (options.numSamples + numRepeated < dropFirst) {
    throw new InvalidArgumentError(
      where,
      `resuming further into the epoch (${dropFirst}) than it has samples (${options.numSamples})`,
      'the resumption state belongs to another dataset or epoch size',
    );
  }
  const args = { ...options, dropFirst, initialPhysicalNodes: initial };
  if (algo === 'orig') return partitionOrig(args);
  if (algo === 'relaxed') return partitionRelaxed(args);
  throw new InvalidArgumentError(where, `unknown partition algorithm '${String(algo)}'`, "use 'relaxed' or 'orig'");
}

/**
 * Offset of `[node][rank][worker]` in `partition.ids`; the block is `M·B` long.
 *
 * @example
 * ```ts
 * workerOffset(partition, 0, 1, 2); // ((0·R + 1)·W + 2)·M·B
 * ```
 */
export function workerOffset(partition: Partition, node: number, rank: number, worker: number): number {
  const [nodes, ranks, workers, batches, batchSize] = partition.shape;
  if (node < 0 || node >= nodes || rank < 0 || rank >= ranks || worker < 0 || worker >= workers) {
    throw new InvalidArgumentError('workerOffset', `no worker (${node}, ${rank}, ${worker}) in a partition of shape [${partition.shape.join(', ')}]`);
  }
  return ((node * ranks + rank) * workers + worker) * batches * batchSize;
}

/**
 * Worker (node, rank, worker)'s `[M][B]` block, flattened, `-1` padding included (a view).
 *
 * @example
 * ```ts
 * workerIds(partition, 0, 0, 1); // Float64Array of M·B ids
 * ```
 */
export function workerIds(partition: Partition, node: number, rank: number, worker: number): Float64Array {
  const offset = workerOffset(partition, node, rank, worker);
  return partition.ids.subarray(offset, offset + partition.shape[3] * partition.shape[4]);
}

/**
 * The ids worker (node, rank, worker) yields, in order: its block without `-1` padding.
 *
 * @example
 * ```ts
 * workerSamples(partition, 0, 0, 0); // number[]
 * ```
 */
export function workerSamples(partition: Partition, node: number, rank: number, worker: number): number[] {
  const out: number[] = [];
  for (const id of workerIds(partition, node, rank, worker)) if (id !== -1) out.push(id);
  return out;
}

/**
 * The batches rank (node, rank) receives from a data loader with `workersPerRank` workers and
 * `batchSize`: each worker's yielded ids cut into batches of B (the last may be short), taken
 * round-robin (batch 0 of worker 0, batch 0 of worker 1, ...), workers without a batch skipped.
 *
 * @example
 * ```ts
 * rankBatches(partition, 0, 0)[0]; // the first batch this device trains on
 * ```
 */
export function rankBatches(partition: Partition, node: number, rank: number): number[][] {
  const [, , workers, , batchSize] = partition.shape;
  const perWorker: number[][][] = [];
  let rounds = 0;
  for (let w = 0; w < workers; w++) {
    const samples = workerSamples(partition, node, rank, w);
    const batches: number[][] = [];
    for (let i = 0; i < samples.length; i += batchSize) batches.push(samples.slice(i, i + batchSize));
    perWorker.push(batches);
    rounds = Math.max(rounds, batches.length);
  }
  const out: number[][] = [];
  for (let m = 0; m < rounds; m++) {
    for (let w = 0; w < workers; w++) {
      const batch = perWorker[w]![m];
      if (batch !== undefined) out.push(batch);
    }
  }
  return out;
}

/**
 * Global batches in training order: step k is the concatenation over devices (node-major, then
 * rank) of each device's k-th batch. Steps where some devices have run out still list the others.
 *
 * @example
 * ```ts
 * globalBatches(partition)[0]; // every sample of the run's first optimizer step
 * ```
 */
export function globalBatches(partition: Partition): number[][] {
  const [nodes, ranks] = partition.shape;
  const perDevice: number[][][] = [];
  let steps = 0;
  for (let n = 0; n < nodes; n++) {
    for (let r = 0; r < ranks; r++) {
      const batches = rankBatches(partition, n, r);
      perDevice.push(batches);
      steps = Math.max(steps, batches.length);
    }
  }
  const out: number[][] = [];
  for (let k = 0; k < steps; k++) {
    const batch: number[] = [];
    for (const device of perDevice) batch.push(...(device[k] ?? []));
    out.push(batch);
  }
  return out;
}
