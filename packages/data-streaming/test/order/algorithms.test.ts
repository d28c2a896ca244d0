// The spec's stated vectors (STREAMING-TRAINER.md §2.5, §2.8, §2.4) and structural properties of
// the shuffles, partitions, stream weights and resampling.
import { describe, expect, it } from 'vitest';
import {
  applyStreamWeights,
  BLOCK_SMALLER_THAN_SHARD_WARNING,
  divideSpans,
  epochOrder,
  getPartitions,
  getSampling,
  getShuffle,
  numpySum,
  rankBatches,
  resampleStreams,
  resolveOrderConfig,
  sampleOrder,
  SHUFFLE_ALGOS,
  workerIds,
} from '../../src/order/index.js';

const UNITS = [10, 10, 10, 7];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('shuffles: spec §2.8 vectors (units [10, 10, 10, 7], C = 2, seed 9176, block 20)', () => {
  const expected: Record<string, number[]> = {
    py1e: [13, 12, 10, 25, 20, 22, 26, 21, 16, 11, 15, 27, 14, 28, 17, 29, 23, 24, 0, 5, 4, 32, 8, 2, 19, 35, 3, 7, 6, 31, 1, 9, 30, 36, 33, 18, 34],
    py1s: [12, 10, 13, 15, 11, 16, 17, 14, 25, 22, 20, 26, 28, 27, 29, 21, 24, 23, 3, 4, 2, 6, 1, 0, 8, 9, 5, 7, 32, 33, 34, 36, 35, 31, 30, 18, 19],
    py1br: [15, 12, 10, 16, 20, 17, 21, 23, 22, 24, 25, 11, 27, 14, 13, 29, 26, 28, 36, 3, 2, 8, 35, 9, 7, 34, 30, 31, 1, 6, 0, 5, 4, 32, 18, 33, 19],
    naive: [6, 2, 21, 18, 7, 30, 34, 3, 25, 15, 29, 24, 0, 10, 16, 22, 8, 5, 23, 27, 33, 26, 1, 11, 9, 20, 19, 32, 13, 17, 14, 35, 36, 12, 28, 31, 4],
  };
  for (const [algo, ids] of Object.entries(expected)) {
    it(`${algo} epoch 0`, () => {
      expect(Array.from(getShuffle(algo as 'py1e', UNITS, 2, 9176, 0, 20).ids)).toEqual(ids);
    });
  }
  it('py1e epoch 1', () => {
    expect(Array.from(getShuffle('py1e', UNITS, 2, 9176, 1, 20).ids)).toEqual([
      27, 12, 14, 26, 10, 22, 13, 15, 17, 21, 11, 25, 29, 16, 23, 20, 24, 28, 3, 1, 6, 9, 0, 2, 7, 8, 30, 18, 4, 31, 35, 32, 5, 36, 19, 33, 34,
    ]);
  });

  it('end to end with the §2.5 partition, and resuming at sample 8 drops one batch per rank', () => {
    const options = { streams: [{ shardSizes: UNITS }], batchSize: 4, shuffle: true, shuffleBlockSize: 20, numCanonicalNodes: 2,
      ranksPerNode: 2, partitionAlgo: 'orig' as const, epoch: 0 };
    const order = sampleOrder(options);
    const rank0 = [[13, 12, 10, 25], [20, 22, 26, 21], [16, 11, 15, 27], [14, 28, 17, 29], [23, 24, 24]];
    const rank1 = [[0, 5, 4, 32], [8, 2, 19, 35], [3, 7, 6, 31], [1, 9, 30, 36], [33, 18, 34]];
    expect(rankBatches(order, 0, 0)).toEqual(rank0);
    expect(rankBatches(order, 0, 1)).toEqual(rank1);
    const resumed = sampleOrder({ ...options, sampleInEpoch: 8 });
    expect(rankBatches(resumed, 0, 0)).toEqual(rank0.slice(1));
    expect(rankBatches(resumed, 0, 1)).toEqual(rank1.slice(1));
  });
});

describe('shuffles: properties', () => {
  const sizes = [37, 1, 250, 64, 0, 99, 128, 3];
  for (const algo of SHUFFLE_ALGOS) {
    it(`${algo} is a permutation that differs by epoch and keeps canonical nodes apart`, () => {
      const a = getShuffle(algo, sizes, 3, 5, 0, 40).ids;
      const b = getShuffle(algo, sizes, 3, 5, 1, 40).ids;
      expect([...a].sort((x, y) => x - y)).toEqual(range(582));
      expect(Array.from(a)).not.toEqual(Array.from(b));
      if (algo !== 'naive') {
        // Node c's positions [⌊cS/3⌋, ⌊(c+1)S/3⌋) hold the same ids every epoch.
        for (let c = 0; c < 3; c++) {
          const lo = Math.floor((c * 582) / 3);
          const hi = Math.floor(((c + 1) * 582) / 3);
          const sortedSlice = (ids: Float64Array) => Array.from(ids.subarray(lo, hi)).sort((x, y) => x - y);
          expect(sortedSlice(a)).toEqual(sortedSlice(b));
        }
      }
    });
  }

  it('py1b shuffles within fixed blocks of each node', () => {
    const ids = getShuffle('py1b', [30, 30], 1, 3, 0, 16).ids;
    const blockOf = (id: number, order: Float64Array) => Math.floor(order.indexOf(id) / 16);
    // The unshuffled layout is the spans in run order; each block's members stay within it.
    const layout = getShuffle('py1b', [30, 30], 1, 3, 0, 1).ids; // block 1: no mixing
    for (let i = 0; i < 60; i++) expect(blockOf(layout[i]!, ids)).toBe(Math.floor(i / 16));
  });

  it('py1e warns when a span is longer than its block, and then keeps that span in place', () => {
    const result = getShuffle('py1e', [100, 80, 120], 2, 9176, 0, 50);
    expect(result.warnings).toEqual([BLOCK_SMALLER_THAN_SHARD_WARNING]);
    expect(getShuffle('py1e', [100, 80, 120], 2, 9176, 0, 256).warnings).toEqual([]);
  });

  it('rejects bad arguments with a hint', () => {
    expect(() => getShuffle('py1e', [1], 2, 0, 0, 20)).toThrow(/0 samples[\s\S]*HINT/);
    expect(() => getShuffle('py1e', [5, 5], 0, 0, 0, 20)).toThrow(/numCanonicalNodes/);
    expect(() => getShuffle('py1br', [5, 5], 1, 0, 0, 1)).toThrow(/shuffleBlockSize/);
    expect(() => getShuffle('bogus' as 'py1e', [5], 1, 0, 0)).toThrow(/unknown shuffle algorithm/);
    expect(() => getShuffle('py1s', [5], 1, -1, 0)).toThrow(/non-negative/);
  });

  it('divideSpans cuts spans at node boundaries', () => {
    expect(divideSpans([[0, 10], [10, 15]], 15, 2)).toEqual({ spans: [[0, 7], [7, 10], [10, 15]], parts: [[0, 1], [1, 3]] });
    expect(divideSpans([[0, 10]], 10, 3)).toEqual({ spans: [[0, 3], [3, 6], [6, 10]], parts: [[0, 1], [1, 2], [2, 3]] });
  });
});

describe('partitions', () => {
  it('spec §2.5 vector: S = 37, C = 2, P = 1, R = 2, W = 1, B = 4', () => {
    const p = getPartitions('orig', { numSamples: 37, numCanonicalNodes: 2, numPhysicalNodes: 1, ranksPerNode: 2, workersPerRank: 1, batchSize: 4 });
    expect(p.shape).toEqual([1, 2, 1, 5, 4]);
    expect(Array.from(workerIds(p, 0, 0, 0))).toEqual([...range(16), 16, 17, 17, -1]);
    expect(Array.from(workerIds(p, 0, 1, 0))).toEqual([...range(19).map((i) => 18 + i), -1]);
  });

  it('global batch k is positions [D + kG, D + (k+1)G) whatever the world', () => {
    for (const [P, R, W, B, C] of [
      [1, 1, 1, 12, 4],
      [2, 3, 2, 2, 4],
      [4, 1, 3, 3, 2],
      [2, 2, 1, 3, 8],
    ] as const) {
      const p = getPartitions('relaxed', { numSamples: 600, numCanonicalNodes: C, numPhysicalNodes: P, ranksPerNode: R, workersPerRank: W, batchSize: B, dropFirst: 24 });
      const reference = getPartitions('orig', { numSamples: 600, numCanonicalNodes: C, numPhysicalNodes: 1, ranksPerNode: 1, workersPerRank: 1, batchSize: 1, dropFirst: 24 });
      const seq = Array.from(reference.ids);
      for (let n = 0; n < P; n++) {
        for (let r = 0; r < R; r++) {
          rankBatches(p, n, r).forEach((batch, k) => {
            if (k < 20) expect(batch).toEqual(range(B).map((b) => seq[((k * B + b) * R + r) * P + n]));
          });
        }
      }
    }
  });

  it('pads physical nodes beyond canonical nodes and repeats samples for short rows', () => {
    const p = getPartitions('orig', { numSamples: 11, numCanonicalNodes: 2, numPhysicalNodes: 4, ranksPerNode: 1, workersPerRank: 1, batchSize: 1 });
    expect(p.shape).toEqual([4, 1, 1, 3, 1]);
    // Rows [0, 1, 2, 3, 4, 4] (one short: its last id repeats) and [5 .. 10], interleaved, striped over 4 nodes.
    expect(Array.from(p.ids)).toEqual([0, 2, 4, 5, 7, 9, 1, 3, 4, 6, 8, 10]);
    const tiny = getPartitions('orig', { numSamples: 3, numCanonicalNodes: 4, numPhysicalNodes: 1, ranksPerNode: 1, workersPerRank: 1, batchSize: 2 });
    expect(tiny.warnings[0]).toMatch(/Trying to partition 3 samples over 4 canonical nodes/);
    expect(Array.from(tiny.ids)).toEqual([0, 1, 2, 0]);
  });

  it('rejects incompatible node counts and bad arguments', () => {
    const base = { numSamples: 100, numCanonicalNodes: 3, numPhysicalNodes: 2, ranksPerNode: 1, workersPerRank: 1, batchSize: 1 };
    expect(() => getPartitions('orig', base)).toThrow(/divide one another/);
    expect(() => getPartitions('relaxed', base)).toThrow(/divide one another/);
    expect(() => getPartitions('relaxed', { ...base, initialPhysicalNodes: 3, batchSize: 1 })).toThrow(/global batch size of 2/);
    expect(getPartitions('relaxed', { ...base, initialPhysicalNodes: 3, batchSize: 3 }).shape).toEqual([2, 1, 1, 17, 3]);
    expect(() => getPartitions('orig', { ...base, numCanonicalNodes: 2, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => getPartitions('orig', { ...base, numSamples: 0 })).toThrow(/numSamples/);
  });
});

describe('stream weights and resampling', () => {
  it('spec §2.4 get_sampling vectors', () => {
    expect(getSampling(UNITS, 50, 1, 9176, 0, true)).toEqual([15, 12, 14, 9]);
    expect(getSampling(UNITS, 20, 3, 9176, 0, true)).toEqual([3, 7, 7, 3]);
    expect(getSampling(UNITS, 74, 1, 9176, 0, true)).toEqual([20, 20, 20, 14]);
    expect(getSampling(UNITS, 0, 1, 9176, 0, true)).toEqual([0, 0, 0, 0]);
  });

  it('relative weights: truncation, then the shortfall by lot', () => {
    const { epochSize, streams } = applyStreamWeights(
      [{ shardSizes: [10, 10], proportion: 1 }, { shardSizes: [5], proportion: 3 }],
      { seed: 9176 },
    );
    expect(epochSize).toBe(25);
    expect(streams.map((s) => s.choose)).toEqual([6, 19]);
    expect(streams.map((s) => s.proportion)).toEqual([0.25, 0.75]);
    const sized = applyStreamWeights([{ shardSizes: [10] }, { shardSizes: [30] }], { epochSize: 9, seed: 1 });
    expect(sized.streams.map((s) => s.choose).reduce((a, b) => a + b, 0)).toBe(9);
  });

  it('absolute weights: repeat, choose, or the whole stream', () => {
    const { epochSize, streams } = applyStreamWeights(
      [{ shardSizes: [10, 10], repeat: 1.55 }, { shardSizes: [5], choose: 7 }, { shardSizes: [4] }],
      { seed: 0 },
    );
    expect(streams.map((s) => s.choose)).toEqual([31, 7, 4]);
    expect(epochSize).toBe(42);
    expect(() => applyStreamWeights([{ shardSizes: [1], repeat: 2, choose: 2 }], { seed: 0 })).toThrow(/more than one/);
    expect(() => applyStreamWeights([{ shardSizes: [1], proportion: 1 }, { shardSizes: [1] }], { seed: 0 })).toThrow(/cannot be mixed/);
    expect(() => applyStreamWeights([{ shardSizes: [1], repeat: 2 }], { seed: 0, epochSize: 5 })).toThrow(/epochSize/);
  });

  it('numpy pairwise sum', () => {
    const values = Float64Array.from({ length: 300 }, (_, i) => 0.1 * (i % 7) + 1e-3 * i);
    let naive = 0;
    for (const v of values) naive += v;
    expect(numpySum(values)).toBeCloseTo(naive, 9);
    expect(numpySum([0.1, 0.2, 0.3])).toBe(0.1 + 0.2 + 0.3);
  });

  it('partial repeats: whole passes, then a sorted random subset; "fixed" repeats it every epoch', () => {
    const streams = applyStreamWeights([{ shardSizes: [4, 6], repeat: 2.5 }], { seed: 0 }).streams;
    const e0 = resampleStreams(streams, { shuffleSeed: 3, epoch: 0 });
    const e1 = resampleStreams(streams, { shuffleSeed: 3, epoch: 1 });
    expect(e0.smallPerBig.length).toBe(25);
    expect(e0.shuffleUnits.reduce((a, b) => a + b, 0)).toBe(25);
    expect(Array.from(e0.smallPerBig.subarray(0, 8))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    const f0 = resampleStreams(streams, { shuffleSeed: 3, epoch: 0, samplingMethod: 'fixed' });
    const f1 = resampleStreams(streams, { shuffleSeed: 3, epoch: 1, samplingMethod: 'fixed' });
    expect(Array.from(f0.smallPerBig)).toEqual(Array.from(f1.smallPerBig));
    expect(Array.from(e0.smallPerBig)).not.toEqual(Array.from(e1.smallPerBig));
  });

  it('multi-stream orders use global sample ids (streams concatenated)', () => {
    const config = resolveOrderConfig({
      streams: [{ shardSizes: [30, 30], proportion: 1 }, { shardSizes: [20], proportion: 1 }],
      epochSize: 100,
      batchSize: 5,
      shuffle: true,
      numCanonicalNodes: 2,
    });
    expect(config.streams.map((s) => s.choose)).toEqual([50, 50]);
    const ids = rankBatches(epochOrder(config, 0), 0, 0).flat();
    expect(ids.length).toBe(100);
    expect(ids.filter((id) => id >= 60).length).toBe(50);
    expect(new Set(ids.filter((id) => id >= 60)).size).toBe(20);
  });

  it('defaults: seed 9176, py1e, block max(4e6 // C, 2^18), C = P (64·P for py1s/py2s)', () => {
    const config = resolveOrderConfig({ streams: [{ shardSizes: [10] }], batchSize: 2, numPhysicalNodes: 4 });
    expect([config.shuffleSeed, config.shuffleAlgo, config.numCanonicalNodes, config.shuffleBlockSize, config.partitionAlgo]).toEqual([
      9176, 'py1e', 4, 1_000_000, 'relaxed',
    ]);
    const py1s = resolveOrderConfig({ streams: [{ shardSizes: [10] }], batchSize: 2, numPhysicalNodes: 2, shuffleAlgo: 'py1s' });
    expect([py1s.numCanonicalNodes, py1s.shuffleBlockSize]).toEqual([128, 1 << 18]);
    expect(() => resolveOrderConfig({ streams: [{ shardSizes: [10] }], batchSize: 0 })).toThrow(/batchSize/);
  });
});
