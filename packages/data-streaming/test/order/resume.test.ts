// Determinism of the sample order under resumption and under changes of the world: resuming at
// any sample continues the uninterrupted order exactly; changing workers, batch split or physical
// nodes mid-epoch (same canonical nodes and seed) neither repeats nor skips a sample.
import { describe, expect, it } from 'vitest';
import {
  epochOrder,
  fromUpstreamState,
  globalBatches,
  orderStateDict,
  rankBatches,
  resolveOrderConfig,
  resumeOrder,
  samplesAfterSteps,
  toUpstreamState,
  workerSamples,
  type OrderConfig,
  type OrderOptions,
  type ShuffleAlgo,
} from '../../src/order/index.js';

const ALGOS: ShuffleAlgo[] = ['py1e', 'py1s', 'py1br', 'py1b', 'py2s', 'naive'];
// 480 samples: divisible by every global batch below, so nothing is padded or repeated.
const SHARDS = [100, 80, 120, 60, 120];

function config(options: Partial<OrderOptions>): OrderConfig {
  return resolveOrderConfig({ streams: [{ shardSizes: SHARDS }], batchSize: 4, shuffle: true, shuffleBlockSize: 64, ...options });
}

const sorted = (ids: number[]): number[] => [...ids].sort((a, b) => a - b);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('resuming at any sample (one device)', () => {
  for (const algo of ALGOS) {
    it(`${algo}: order before + order resumed after s = uninterrupted order, for every s`, () => {
      for (const [workers, batchSize] of [
        [1, 1],
        [2, 4],
        [3, 5],
      ] as const) {
        const base = config({ shuffleAlgo: algo, numCanonicalNodes: 3, workersPerRank: workers, batchSize });
        const full = rankBatches(epochOrder(base, 1), 0, 0).flat();
        expect(sorted(full)).toEqual(range(480));
        for (let s = 0; s <= 480; s += algo === 'py1e' ? 1 : 7) {
          const resumed = rankBatches(epochOrder(base, 1, s), 0, 0).flat();
          expect([...full.slice(0, s), ...resumed]).toEqual(full);
        }
      }
    });
  }
});

describe('resuming after k global batches (several devices)', () => {
  it('the remaining global batches are the uninterrupted ones, batch for batch', () => {
    const base = config({ numCanonicalNodes: 4, numPhysicalNodes: 2, ranksPerNode: 2, workersPerRank: 3, batchSize: 2 });
    const full = globalBatches(epochOrder(base, 0));
    expect(full.length).toBe(60);
    for (let k = 0; k <= 60; k += 5) {
      const order = epochOrder(base, 0, k * 8);
      expect(globalBatches(order)).toEqual(full.slice(k));
    }
  });

  it('a state dict taken after k steps resumes there (Composer: counted from the epoch start)', () => {
    const base = config({ numCanonicalNodes: 4, numPhysicalNodes: 2, ranksPerNode: 2, workersPerRank: 2, batchSize: 2 });
    const order = epochOrder(base, 2);
    const full = globalBatches(order);
    const state = orderStateDict(base, { epoch: 2, numSamples: samplesAfterSteps(order, 17), fromBeginning: true });
    expect(state).toEqual({ epoch: 2, sampleInEpoch: 136, numCanonicalNodes: 4, shuffleSeed: 9176, initialPhysicalNodes: 2 });
    const { config: resumed, epoch, sampleInEpoch } = resumeOrder(base, fromUpstreamState(toUpstreamState(state)), 0);
    expect([epoch, sampleInEpoch]).toEqual([2, 136]);
    expect(globalBatches(epochOrder(resumed, epoch, sampleInEpoch))).toEqual(full.slice(17));
  });

  it('a loader counting since the last resumption adds the resumed offset', () => {
    const base = config({ numCanonicalNodes: 2, numPhysicalNodes: 2, ranksPerNode: 1, batchSize: 3 });
    const state = orderStateDict(base, { epoch: 0, numSamples: 30, fromBeginning: false, resumeOffset: 60 });
    expect(state.sampleInEpoch).toBe(90);
  });

  it('a stale state (older epoch) is ignored', () => {
    const base = config({ numCanonicalNodes: 2 });
    const state = { epoch: 0, sampleInEpoch: 100, numCanonicalNodes: 8, shuffleSeed: 1, initialPhysicalNodes: 1 };
    expect(resumeOrder(base, state, 1)).toEqual({ config: base, epoch: 1, sampleInEpoch: 0 });
    expect(resumeOrder(base, null, 3)).toEqual({ config: base, epoch: 3, sampleInEpoch: 0 });
  });

  it('the end of the epoch resumes to an empty partition; past the padding it is an error', () => {
    const base = config({ numCanonicalNodes: 2, numPhysicalNodes: 2, ranksPerNode: 2, batchSize: 2 });
    const done = epochOrder(base, 0, 480);
    expect(done.shape[3]).toBe(0);
    expect(globalBatches(done)).toEqual([]);
    expect(() => epochOrder(base, 0, 480 + 4 + 1)).toThrow(/further into the epoch/);
  });

  it('an offset that is not a multiple of the node count is rounded down, with a warning', () => {
    const base = config({ numCanonicalNodes: 2, numPhysicalNodes: 2, batchSize: 2 });
    const odd = epochOrder(base, 0, 41);
    expect(odd.warnings).toContain('sampleInEpoch 41 is not divisible by numPhysicalNodes 2: rounded down to 40 (a few samples are seen twice).');
    expect(Array.from(odd.ids)).toEqual(Array.from(epochOrder(base, 0, 40).ids));
  });
});

describe('elastic determinism (same canonical nodes and seed)', () => {
  // Worlds with the same global batch G = P·R·B = 8.
  const worlds = [
    { numPhysicalNodes: 1, ranksPerNode: 1, workersPerRank: 1, batchSize: 8 },
    { numPhysicalNodes: 1, ranksPerNode: 2, workersPerRank: 3, batchSize: 4 },
    { numPhysicalNodes: 2, ranksPerNode: 2, workersPerRank: 2, batchSize: 2 },
    { numPhysicalNodes: 4, ranksPerNode: 1, workersPerRank: 3, batchSize: 2 },
    { numPhysicalNodes: 4, ranksPerNode: 2, workersPerRank: 1, batchSize: 1 },
  ];

  for (const algo of ALGOS) {
    it(`${algo}: every world sees the same global batches; workers together cover the epoch once`, () => {
      const reference = globalBatches(epochOrder(config({ shuffleAlgo: algo, numCanonicalNodes: 4, ...worlds[0]! }), 0)).map(sorted);
      for (const world of worlds) {
        const order = epochOrder(config({ shuffleAlgo: algo, numCanonicalNodes: 4, ...world }), 0);
        expect(globalBatches(order).map(sorted)).toEqual(reference);
        const all: number[] = [];
        const [nodes, ranks, workers] = order.shape;
        for (let n = 0; n < nodes; n++) {
          for (let r = 0; r < ranks; r++) {
            const perWorker: number[] = [];
            for (let w = 0; w < workers; w++) perWorker.push(...workerSamples(order, n, r, w));
            expect(sorted(perWorker)).toEqual(sorted(rankBatches(order, n, r).flat()));
            all.push(...perWorker);
          }
        }
        expect(sorted(all)).toEqual(range(480));
      }
    });
  }

  it('changing nodes, ranks, workers and batch split mid-epoch neither repeats nor skips', () => {
    for (let a = 0; a < worlds.length; a++) {
      for (let b = 0; b < worlds.length; b++) {
        const first = config({ numCanonicalNodes: 4, ...worlds[a]! });
        const uninterrupted = globalBatches(epochOrder(first, 0));
        for (const k of [0, 1, 13, 59, 60]) {
          const before = uninterrupted.slice(0, k);
          const state = orderStateDict(first, { epoch: 0, numSamples: 8 * k, fromBeginning: true });
          // The new run is configured without C: it comes from the state (C = 4).
          const second = config({ ...worlds[b]! });
          const resumed = resumeOrder(second, state, 0);
          expect(resumed.config.numCanonicalNodes).toBe(4);
          const after = globalBatches(epochOrder(resumed.config, resumed.epoch, resumed.sampleInEpoch));
          expect([...before, ...after].map(sorted)).toEqual(uninterrupted.map(sorted));
          expect(sorted([...before.flat(), ...after.flat()])).toEqual(range(480));
        }
      }
    }
  });

  it('relaxed partition: resuming on a node count incompatible with C keeps the global batches', () => {
    // Started on 3 nodes (C = 3), batch 2 per device: G = 6. Resumed on 2 nodes, batch 3.
    const first = config({ numCanonicalNodes: 3, numPhysicalNodes: 3, workersPerRank: 2, batchSize: 2 });
    const uninterrupted = globalBatches(epochOrder(first, 0));
    expect(uninterrupted.length).toBe(80);
    for (const k of [0, 10, 33, 79]) {
      const state = orderStateDict(first, { epoch: 0, numSamples: 6 * k, fromBeginning: true });
      expect(state.initialPhysicalNodes).toBe(3);
      const second = config({ numPhysicalNodes: 2, workersPerRank: 2, batchSize: 3 });
      const resumed = resumeOrder(second, state, 0);
      const order = epochOrder(resumed.config, resumed.epoch, resumed.sampleInEpoch);
      expect(order.shape.slice(0, 3)).toEqual([2, 1, 2]);
      expect(globalBatches(order)).toEqual(uninterrupted.slice(k));
      // orig refuses this world.
      expect(() => epochOrder({ ...resumed.config, partitionAlgo: 'orig' }, 0, 6 * k)).toThrow(/divide one another/);
    }
  });

  it('the shuffle block size follows the restored canonical node count unless it was given', () => {
    const state = { epoch: 0, sampleInEpoch: 0, numCanonicalNodes: 8, shuffleSeed: 17, initialPhysicalNodes: 8 };
    const defaults = resolveOrderConfig({ streams: [{ shardSizes: SHARDS }], batchSize: 1 });
    expect(defaults.shuffleBlockSize).toBe(4_000_000);
    expect(resumeOrder(defaults, state, 0).config.shuffleBlockSize).toBe(500_000);
    expect(resumeOrder(defaults, state, 0).config.shuffleSeed).toBe(17);
    expect(resumeOrder(config({}), state, 0).config.shuffleBlockSize).toBe(64);
  });
});
