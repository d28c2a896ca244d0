/**
 * The mosaicml-compatible {@link SampleOrderFactory} for `StreamingDataset`'s `sampleOrder`
 * option: everything `StreamingDataset` needs from this module, behind the dataset's seam.
 */
import { InvalidArgumentError } from '../errors.js';
import type { EpochPartition, SampleOrder, SampleOrderFactory, SampleOrderInput } from '../sample-order.js';
import type { PartitionAlgo } from './partition.js';
import { epochOrder, resolveOrderConfig } from './sample-order.js';
import { SHUFFLE_ALGOS, type ShuffleAlgo } from './shuffle.js';

function isShuffleAlgo(value: string): value is ShuffleAlgo {
  return (SHUFFLE_ALGOS as readonly string[]).includes(value);
}

function isPartitionAlgo(value: string): value is PartitionAlgo {
  return value === 'orig' || value === 'relaxed';
}

/**
 * mosaicml-streaming's sample order (`random` batching), bit-exact.
 *
 * @example
 * ```ts
 * const ds = new StreamingDataset({ local, shuffle: true, batchSize: 8, sampleOrder: mosaicSampleOrder });
 * ```
 */
export const mosaicSampleOrder: SampleOrderFactory = (input: SampleOrderInput): SampleOrder => {
  const where = 'mosaicSampleOrder';
  if (!isShuffleAlgo(input.shuffleAlgo)) {
    throw new InvalidArgumentError(where, `unknown shuffleAlgo '${input.shuffleAlgo}'`, `use one of ${SHUFFLE_ALGOS.join(', ')}`);
  }
  if (!isPartitionAlgo(input.partitionAlgo)) {
    throw new InvalidArgumentError(where, `unknown partitionAlgo '${input.partitionAlgo}'`, "use 'relaxed' or 'orig'");
  }
  if (input.batchingMethod !== 'random') {
    throw new InvalidArgumentError(where, `batchingMethod '${input.batchingMethod}' is not implemented`, "use batchingMethod 'random' (the default)");
  }
  const { world } = input;
  const config = resolveOrderConfig({
    streams: input.streams,
    epochSize: input.epochSize ?? null,
    batchSize: input.batchSize,
    shuffle: input.shuffle,
    shuffleAlgo: input.shuffleAlgo,
    shuffleSeed: input.shuffleSeed,
    shuffleBlockSize: input.shuffleBlockSize ?? null,
    numCanonicalNodes: input.numCanonicalNodes ?? null,
    numPhysicalNodes: world.numNodes,
    ranksPerNode: world.ranksPerNode,
    workersPerRank: world.workersPerRank,
    partitionAlgo: input.partitionAlgo,
    samplingMethod: input.samplingMethod,
    samplingGranularity: input.samplingGranularity,
  });
  // Epoch enters the order only through the shuffle and the "balanced" draw of partial repeats
  // (a stream whose `choose` is not a whole multiple of its samples); see `epochOrder`.
  const epochInvariant = !config.shuffle &&
    (config.samplingMethod === 'fixed' || config.streams.every((s) => {
      const total = s.shardSizes.reduce((a, b) => a + b, 0);
      return total > 0 && s.choose % total === 0;
    }));
  let last: { key: string; partition: EpochPartition } | undefined;
  const node = Math.floor(world.rank / world.ranksPerNode);
  const rankOfNode = world.rank % world.ranksPerNode;
  return {
    epochSize: config.epochSize,
    streamChoose: config.streams.map((stream) => stream.choose),
    numCanonicalNodes: config.numCanonicalNodes,
    getPartition(epoch: number, sampleInEpoch: number, initialPhysicalNodes?: number): EpochPartition {
      // Unshuffled orders whose resampling draws nothing at random are the same every epoch:
      // the last one is kept, so a training loop does not recompute it each epoch.
      const key = `${epochInvariant && Number.isSafeInteger(epoch) && epoch >= 0 ? '*' : epoch}/${sampleInEpoch}/${initialPhysicalNodes ?? ''}`;
      if (last === undefined || last.key !== key) {
        const order = epochOrder({ ...config, initialPhysicalNodes: initialPhysicalNodes ?? null }, epoch, sampleInEpoch);
        const [, ranks, workers, batches, batchSize] = order.shape;
        const size = workers * batches * batchSize;
        const start = (node * ranks + rankOfNode) * size;
        last = { key, partition: { ids: order.ids.slice(start, start + size), workers, batchesPerWorker: batches, batchSize } };
      }
      // A copy: callers own the arrays they are given.
      return { ...last.partition, ids: last.partition.ids.slice() };
    },
  };
};
