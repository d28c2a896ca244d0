// Every case of ../fixtures/mds/expected_order.json (mosaicml-streaming 0.14.0.dev0, numpy 1.24.2,
// verified end to end through a torch DataLoader): partition, shuffle, sample ids, each worker's
// order and each rank's batches in data loader order.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  epochOrder,
  getPartitions,
  getShuffle,
  mosaicSampleOrder,
  rankBatches,
  resolveOrderConfig,
  workerSamples,
  type ShuffleAlgo,
} from '../../src/order/index.js';
import { dataLoaderOrder } from '../../src/sample-order.js';

interface Run {
  shuffle_algo: ShuffleAlgo;
  epoch: number;
  shuffle: number[];
  sample_ids: unknown[];
  worker_order: Record<string, number[]>;
  batches_in_dataloader_order: Record<string, number[][]>;
  warnings: string[];
  verified_end_to_end: boolean;
}
interface Case {
  params: {
    shard_sizes: number[];
    num_canonical_nodes: number;
    num_physical_nodes: number;
    ranks_per_node: number;
    workers_per_rank: number;
    batch_size: number;
    shuffle_seed: number;
    shuffle_block_size: number;
    partition_algo: 'relaxed' | 'orig';
    drop_first: number;
    initial_physical_nodes: number | null;
  };
  num_samples: number;
  partition_shape: number[];
  partition_unshuffled: unknown[];
  runs: Run[];
}

const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/mds/expected_order.json', import.meta.url)), 'utf8'),
) as { cases: Case[] };

const flat = (nested: unknown[]): number[] => nested.flat(Infinity as 1) as number[];

describe('expected_order.json', () => {
  it('has the cases this suite expects', () => {
    expect(fixture.cases.map((c) => c.runs.length)).toEqual([4, 8]);
  });

  fixture.cases.forEach((c, caseIndex) => {
    const p = c.params;
    describe(`case ${caseIndex} (shards [${p.shard_sizes.join(', ')}], block ${p.shuffle_block_size})`, () => {
      it('partition_unshuffled', () => {
        const partition = getPartitions(p.partition_algo, {
          numSamples: c.num_samples,
          numCanonicalNodes: p.num_canonical_nodes,
          numPhysicalNodes: p.num_physical_nodes,
          ranksPerNode: p.ranks_per_node,
          workersPerRank: p.workers_per_rank,
          batchSize: p.batch_size,
          dropFirst: p.drop_first,
          initialPhysicalNodes: p.initial_physical_nodes,
        });
        expect(partition.shape).toEqual(c.partition_shape);
        expect(Array.from(partition.ids)).toEqual(flat(c.partition_unshuffled));
      });

      for (const run of c.runs) {
        describe(`${run.shuffle_algo} epoch ${run.epoch}`, () => {
          const config = resolveOrderConfig({
            streams: [{ shardSizes: p.shard_sizes }],
            batchSize: p.batch_size,
            shuffle: true,
            shuffleAlgo: run.shuffle_algo,
            shuffleSeed: p.shuffle_seed,
            shuffleBlockSize: p.shuffle_block_size,
            numCanonicalNodes: p.num_canonical_nodes,
            numPhysicalNodes: p.num_physical_nodes,
            ranksPerNode: p.ranks_per_node,
            workersPerRank: p.workers_per_rank,
            partitionAlgo: p.partition_algo,
            initialPhysicalNodes: p.initial_physical_nodes,
          });

          it('shuffle and warnings', () => {
            const result = getShuffle(run.shuffle_algo, p.shard_sizes, p.num_canonical_nodes, p.shuffle_seed, run.epoch, p.shuffle_block_size);
            expect(Array.from(result.ids)).toEqual(run.shuffle);
            expect(result.warnings.length).toBe(run.warnings.length);
            result.warnings.forEach((warning, i) => expect(warning.startsWith(run.warnings[i]!)).toBe(true));
          });

          it('sample_ids, worker_order, batches_in_dataloader_order', () => {
            const order = epochOrder(config, run.epoch, p.drop_first);
            expect(order.shape).toEqual(c.partition_shape);
            expect(Array.from(order.ids)).toEqual(flat(run.sample_ids));
            for (const [key, expected] of Object.entries(run.worker_order)) {
              const [n, r, w] = key.match(/\d+/g)!.map(Number) as [number, number, number];
              expect(workerSamples(order, n, r, w)).toEqual(expected);
            }
            for (const [key, expected] of Object.entries(run.batches_in_dataloader_order)) {
              const [n, r] = key.match(/\d+/g)!.map(Number) as [number, number];
              expect(rankBatches(order, n, r)).toEqual(expected);
            }
          });

          it("through StreamingDataset's SampleOrder seam", () => {
            for (let rank = 0; rank < p.num_physical_nodes * p.ranks_per_node; rank++) {
              const order = mosaicSampleOrder({
                streams: [{ shardSizes: p.shard_sizes }],
                world: { numNodes: p.num_physical_nodes, ranksPerNode: p.ranks_per_node, rank, workersPerRank: p.workers_per_rank },
                batchSize: p.batch_size,
                shuffle: true,
                shuffleAlgo: run.shuffle_algo,
                shuffleSeed: p.shuffle_seed,
                shuffleBlockSize: p.shuffle_block_size,
                numCanonicalNodes: p.num_canonical_nodes,
                partitionAlgo: p.partition_algo,
                samplingMethod: 'balanced',
                samplingGranularity: 1,
                batchingMethod: 'random',
              });
              expect(order.epochSize).toBe(c.num_samples);
              const key = `node${Math.floor(rank / p.ranks_per_node)}/rank${rank % p.ranks_per_node}`;
              const partition = order.getPartition(run.epoch, p.drop_first);
              expect(Array.from(dataLoaderOrder(partition))).toEqual(run.batches_in_dataloader_order[key]!.flat());
            }
          });
        });
      }
    });
  });
});
