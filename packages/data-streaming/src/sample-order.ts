/**
 * The seam between the data plumbing (streams, cache, download, decoding) and the sample
 * ORDER (stream weights, per-epoch resampling, partitioning over nodes/ranks/workers/batches,
 * shuffling; spec §2). `StreamingDataset` asks a {@link SampleOrder} which global sample ids
 * this rank yields in an epoch; it never computes an order itself.
 *
 * Global sample ids number the samples of all streams concatenated in stream order (shards
 * in index order within a stream).
 *
 * @example
 * ```ts
 * const order = sequentialSampleOrder({ streams: [{ shardSizes: [3, 2] }], world, batchSize: 2, ... });
 * const p = order.getPartition(0, 0);
 * // p.ids: [workers][batchesPerWorker][batchSize] flattened, -1 = padding
 * ```
 */

/** One stream as the order sees it. At most one of proportion/repeat/choose is set. */
export interface StreamShape {
  /** Samples per shard, in index order. */
  shardSizes: readonly number[];
  proportion?: number;
  repeat?: number;
  choose?: number;
}

/**
 * Where this process sits (spec §2.1): `numNodes` physical nodes (P) of `ranksPerNode` ranks (R),
 * this process being global rank `rank`, with `workersPerRank` data loader workers (W).
 */
export interface World {
  numNodes: number;
  ranksPerNode: number;
  rank: number;
  workersPerRank: number;
}

/** Everything an order needs (the camelCase of upstream's StreamingDataset arguments). */
export interface SampleOrderInput {
  streams: readonly StreamShape[];
  /** Samples per epoch across all streams; only with relative or unspecified weights. */
  epochSize?: number | undefined;
  world: World;
  /** Per-device batch size (B). */
  batchSize: number;
  shuffle: boolean;
  shuffleAlgo: string;
  shuffleSeed: number;
  /** Undefined: the algorithm's default derived from the canonical node count. */
  shuffleBlockSize?: number | undefined;
  /** Undefined: upstream's default (initial P; 64·P for py1s/py2s). */
  numCanonicalNodes?: number | undefined;
  partitionAlgo: string;
  samplingMethod: 'balanced' | 'fixed';
  samplingGranularity: number;
  batchingMethod: string;
}

/** This rank's samples for one epoch. */
export interface EpochPartition {
  /**
   * Global sample ids, shape `[workers][batchesPerWorker][batchSize]` flattened in C order,
   * `-1` for padding. Worker `w` yields its block in order; a data loader interleaves batches
   * `(m, w)` as m-major: batch 0 of worker 0, batch 0 of worker 1, ...
   */
  ids: Int32Array | BigInt64Array | Float64Array;
  workers: number;
  batchesPerWorker: number;
  batchSize: number;
}

/** A sample order for one dataset configuration and one place in the world. */
export interface SampleOrder {
  /** Samples per epoch over all ranks (E). */
  readonly epochSize: number;
  /** Resolved samples per epoch per stream (upstream's `choose` after `apply_weights`). */
  readonly streamChoose: readonly number[];
  /** The canonical node count in effect (stored in the state dict). */
  readonly numCanonicalNodes: number;
  /**
   * This rank's partition of `epoch`, dropping the first `sampleInEpoch` samples (global count,
   * all ranks). `initialPhysicalNodes` is the P of the run being resumed, if any.
   */
  getPartition(epoch: number, sampleInEpoch: number, initialPhysicalNodes?: number): EpochPartition;
}

/** Builds a {@link SampleOrder}; pass one as `StreamingDataset`'s `sampleOrder` option. */
export type SampleOrderFactory = (input: SampleOrderInput) => SampleOrder;

/**
 * The global sample ids `partition` hands out, in the order a data loader over `workers`
 * workers yields them (padding dropped): batch 0 of each worker, then batch 1, ...
 *
 * @example
 * ```ts
 * dataLoaderOrder({ ids: Int32Array.from([0, 1, 2, -1]), workers: 2, batchesPerWorker: 1, batchSize: 2 });
 * // Float64Array [0, 1, 2]
 * ```
 */
export function dataLoaderOrder(partition: EpochPartition): Float64Array {
  const { ids, workers, batchesPerWorker, batchSize } = partition;
  const out = new Float64Array(ids.length);
  let n = 0;
  for (let m = 0; m < batchesPerWorker; m++) {
    for (let w = 0; w < workers; w++) {
      const base = (w * batchesPerWorker + m) * batchSize;
      for (let b = 0; b < batchSize; b++) {
        const id = Number(ids[base + b]);
        if (id >= 0) out[n++] = id;
      }
    }
  }
  return out.subarray(0, n);
}
