/**
 * End to end through StreamingDataset: an MDS dataset with the shard sizes of
 * fixtures/mds/expected_order.json, iterated with the default (mosaicml) sample order over two
 * data loader workers, yields exactly the batches upstream's StreamingDataset + torch DataLoader
 * produced (epoch 0 = first pass, epoch 1 = second pass), and resumes mid-epoch onto the same
 * sequence.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MDSWriter, StreamingDataset, serializeIndex, type ShardInfo } from '@tessera/data-streaming';

interface Run {
  shuffle_algo: string;
  epoch: number;
  batches_in_dataloader_order: Record<string, number[][]>;
}
interface Case {
  params: {
    shard_sizes: number[];
    num_canonical_nodes: number;
    workers_per_rank: number;
    batch_size: number;
    shuffle_seed: number;
    shuffle_block_size: number;
  };
  runs: Run[];
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'mds', 'expected_order.json'), 'utf8')) as { cases: Case[] };
let root: string;

/** Writes one shard per size (sample `{ id }` = its global index) and a merged index.json. */
async function writeShards(dir: string, sizes: readonly number[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const shards: ShardInfo[] = [];
  let next = 0;
  for (const [k, n] of sizes.entries()) {
    const part = join(root, `part-${k}`);
    const writer = new MDSWriter({ out: part, columns: { id: 'int' }, sizeLimit: null });
    for (let i = 0; i < n; i++) await writer.write({ id: next++ });
    const info = (await writer.finish()).shards[0]!;
    const basename = `shard.${String(k).padStart(5, '0')}.mds`;
    copyFileSync(join(part, info.rawData.basename), join(dir, basename));
    shards.push({ ...info, rawData: { ...info.rawData, basename } });
  }
  writeFileSync(join(dir, 'index.json'), serializeIndex({ shards }));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tessera-order-e2e-'));
  await writeShards(join(root, 'data'), fixture.cases[0]!.params.shard_sizes);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('StreamingDataset + default sample order vs expected_order.json', () => {
  for (const [c, testCase] of fixture.cases.entries()) {
    const p = testCase.params;
    const algos = [...new Set(testCase.runs.map((r) => r.shuffle_algo))];
    for (const algo of algos) {
      it(`case ${c}, ${algo}: epochs 0 and 1 in data loader order, and mid-epoch resumption`, async () => {
        expect(p.shard_sizes).toEqual(fixture.cases[0]!.params.shard_sizes);
        const options = {
          local: join(root, 'data'),
          shuffle: true,
          shuffleAlgo: algo,
          shuffleSeed: p.shuffle_seed,
          shuffleBlockSize: p.shuffle_block_size,
          numCanonicalNodes: p.num_canonical_nodes,
          batchSize: p.batch_size,
          numWorkers: p.workers_per_rank,
        };
        const ds = await StreamingDataset.create(options);
        for (const epoch of [0, 1]) {
          const run = testCase.runs.find((r) => r.shuffle_algo === algo && r.epoch === epoch)!;
          const seen: number[] = [];
          for await (const sample of ds) seen.push(Number(sample.id));
          expect(seen, `epoch ${epoch}`).toEqual(run.batches_in_dataloader_order['node0/rank0']!.flat());
        }
        // Resume epoch 1 after 10 batches with three workers instead of two.
        const expected = testCase.runs.find((r) => r.shuffle_algo === algo && r.epoch === 1)!.batches_in_dataloader_order['node0/rank0']!.flat();
        const resumed = await StreamingDataset.create({ ...options, numWorkers: 3 });
        resumed.loadStateDict({ epoch: 1, sample_in_epoch: 40, num_canonical_nodes: p.num_canonical_nodes, shuffle_seed: p.shuffle_seed, initial_physical_nodes: 1 });
        const rest: number[] = [];
        for await (const sample of resumed) rest.push(Number(sample.id));
        expect(rest).toEqual(expected.slice(40));
      });
    }
  }
});
