/**
 * mosaicml-streaming's sample order, bit-exact: numpy's `default_rng` (SeedSequence + PCG64),
 * stream weighting and per-epoch resampling, the `orig` / `relaxed` partitions over nodes, ranks,
 * workers and batches, the `py1e` (default), `py1s`, `py1br`, `py1b`, `py2s` and `naive`
 * shuffles, and mid-epoch resumption.
 *
 * @example
 * ```ts
 * import { resolveOrderConfig, epochOrder, rankBatches } from './order/index.js';
 * const config = resolveOrderConfig({ streams: [{ shardSizes: [100, 80, 120] }], batchSize: 4,
 *   shuffle: true, numCanonicalNodes: 2, workersPerRank: 2, shuffleBlockSize: 256 });
 * const batches = rankBatches(epochOrder(config, 0), 0, 0); // what rank 0 trains on, in order
 * ```
 */
export { SeedSequence, seedWords } from './seed-sequence.js';
export { PCG64 } from './pcg64.js';
export { mosaicSampleOrder } from './factory.js';
export { NumpyGenerator, defaultRng, type MutableArrayLike } from './generator.js';
export { argsort, introsortArgsort } from './argsort.js';
export { divideSpans, shardSpans, type Span } from './spans.js';
export { getShuffle, SHUFFLE_ALGOS, type ShuffleAlgo, type ShuffleResult } from './shuffle.js';
export { shufflePy1b, shufflePy1br, shufflePy1e, shufflePy1s, BLOCK_SMALLER_THAN_SHARD_WARNING } from './shuffle-py1.js';
export { shuffleNaive, shufflePy2s } from './shuffle-py2s.js';
export {
  getPartitions,
  globalBatches,
  rankBatches,
  workerIds,
  workerOffset,
  workerSamples,
  type Partition,
  type PartitionAlgo,
  type PartitionOptions,
  type PartitionShape,
} from './partition.js';
export { applyStreamWeights, numpySum, type OrderStream, type StreamWeight, type WeightedStream } from './weights.js';
export { getSampling, resampleStreams, type ResampleOptions, type SamplingMethod } from './sampling.js';
export {
  defaultNumCanonicalNodes,
  defaultShuffleBlockSize,
  epochOrder,
  resolveOrderConfig,
  sampleOrder,
  type EpochOrder,
  type OrderConfig,
  type OrderOptions,
} from './sample-order.js';
export {
  fromUpstreamState,
  orderStateDict,
  resumeOrder,
  samplesAfterSteps,
  toUpstreamState,
  type OrderState,
  type UpstreamOrderState,
} from './resume.js';
