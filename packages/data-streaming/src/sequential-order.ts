/**
 * A deterministic, unshuffled {@link SampleOrder}: the plumbing's default until the
 * mosaicml-compatible order (spec §2: numpy RNG, `py1e` & co., canonical-node partitioning)
 * is plugged in through `StreamingDataset`'s `sampleOrder` option.
 *
 * - Stream weights follow spec §2.3, except that a relative-weight shortfall goes to the
 *   first streams instead of a seeded random choice.
 * - Partial repeats take the first samples of a stream (upstream picks them at random).
 * - Positions `0..E-1` form global batches of `G = ranks · batchSize`: global batch `k` is
 *   positions `[D + kG, D + (k+1)G)` (D = `sampleInEpoch`), device `r` taking its `B`-slice;
 *   a rank's batches go to its workers round-robin. This keeps upstream's invariant that the
 *   global batches do not depend on how `G` is factored into nodes, ranks and workers.
 *
 * @example
 * ```ts
 * const order = sequentialSampleOrder(input);
 * order.getPartition(0, 0).ids; // Int32Array of global sample ids, -1 = padding
 * ```
 */
import { InvalidArgumentError } from './errors.js';
import type { EpochPartition, SampleOrder, SampleOrderFactory, SampleOrderInput, StreamShape } from './sample-order.js';

/**
 * Samples per epoch per stream (spec §2.3). Throws {@link InvalidArgumentError} for mixed or
 * conflicting weights. `distributeShortfall` places the samples lost to flooring (upstream:
 * `default_rng(seed).choice(num_streams, shortfall, replace=False)`); the default gives them
 * to the first streams.
 *
 * @example
 * ```ts
 * resolveStreamChoose([{ shardSizes: [10], repeat: 1.5 }, { shardSizes: [4] }]); // [15, 4]
 * ```
 */
export function resolveStreamChoose(
  streams: readonly StreamShape[],
  epochSize?: number,
  distributeShortfall: (numStreams: number, shortfall: number) => readonly number[] = (_, k) => Array.from({ length: k }, (_x, i) => i),
): number[] {
  const where = 'stream weights';
  const sizes = streams.map((s) => s.shardSizes.reduce((a, b) => a + b, 0));
  const kinds = streams.map((s, i) => {
    const set = (['proportion', 'repeat', 'choose'] as const).filter((k) => s[k] !== undefined);
    if (set.length > 1) throw new InvalidArgumentError(where, `stream ${i} sets ${set.join(' and ')}; set at most one`);
    return set[0];
  });
  const relative = kinds.filter((k) => k === 'proportion').length;
  const absolute = kinds.filter((k) => k === 'repeat' || k === 'choose').length;
  if (relative > 0 && relative !== streams.length) {
    throw new InvalidArgumentError(where, 'when one stream sets proportion, every stream must', 'give every stream a proportion, or use repeat/choose');
  }
  if (absolute > 0 && epochSize !== undefined) {
    throw new InvalidArgumentError(where, 'epochSize cannot be combined with repeat/choose');
  }
  if (relative > 0 || epochSize !== undefined) {
    const total = epochSize ?? sizes.reduce((a, b) => a + b, 0);
    const weights = relative > 0 ? streams.map((s) => s.proportion!) : sizes;
    const sum = weights.reduce((a, b) => a + b, 0);
    if (!(sum > 0) || weights.some((w) => !(w >= 0))) throw new InvalidArgumentError(where, 'proportions must be non-negative and not all zero');
    const choose = weights.map((w) => Math.floor(total * (w / sum)));
    const shortfall = total - choose.reduce((a, b) => a + b, 0);
    for (const i of distributeShortfall(streams.length, shortfall)) choose[i] = choose[i]! + 1;
    return choose;
  }
  return streams.map((s, i) => {
    if (s.repeat !== undefined) {
      if (!(s.repeat >= 0)) throw new InvalidArgumentError(where, `stream ${i}: repeat must be >= 0`);
      return Math.floor(s.repeat * sizes[i]!);
    }
    if (s.choose !== undefined) {
      if (!Number.isSafeInteger(s.choose) || s.choose < 0) throw new InvalidArgumentError(where, `stream ${i}: choose must be a non-negative integer`);
      return s.choose;
    }
    return sizes[i]!;
  });
}

/**
 * The unshuffled order described in the module doc. Refuses `shuffle: true`, which needs the
 * mosaicml-compatible order.
 *
 * @example
 * ```ts
 * new StreamingDataset({ local, sampleOrder: sequentialSampleOrder });
 * ```
 */
export const sequentialSampleOrder: SampleOrderFactory = (input: SampleOrderInput): SampleOrder => {
  if (input.shuffle) {
    throw new InvalidArgumentError('sampleOrder', 'the sequential sample order cannot shuffle',
      'pass shuffle: false, or a shuffling sampleOrder (the mosaicml-compatible order) to StreamingDataset');
  }
  const streamChoose = resolveStreamChoose(input.streams, input.epochSize);
  // big id -> global sample id: per stream, whole passes then the first (choose % n) samples.
  const epochSize = streamChoose.reduce((a, b) => a + b, 0);
  const smallPerBig = new Float64Array(epochSize);
  let pos = 0;
  let offset = 0;
  input.streams.forEach((stream, s) => {
    const n = stream.shardSizes.reduce((a, b) => a + b, 0);
    const c = streamChoose[s]!;
    for (let k = 0; k < c; k++) smallPerBig[pos++] = offset + (k % n);
    offset += n;
  });
  const { world, batchSize: B } = input;
  const ranks = world.numNodes * world.ranksPerNode;
  const W = world.workersPerRank;
  return {
    epochSize,
    streamChoose,
    numCanonicalNodes: input.numCanonicalNodes ?? world.numNodes,
    getPartition(_epoch: number, sampleInEpoch: number): EpochPartition {
      const G = ranks * B;
      const D = Math.min(Math.max(0, sampleInEpoch), epochSize);
      const globalBatches = Math.ceil((epochSize - D) / G);
      const batchesPerWorker = Math.ceil(globalBatches / W);
      const ids = new Float64Array(W * batchesPerWorker * B).fill(-1);
      for (let k = 0; k < globalBatches; k++) {
        const w = k % W;
        const m = Math.floor(k / W);
        for (let b = 0; b < B; b++) {
          const p = D + k * G + world.rank * B + b;
          if (p < epochSize) ids[(w * batchesPerWorker + m) * B + b] = smallPerBig[p]!;
        }
      }
      return { ids, workers: W, batchesPerWorker, batchSize: B };
    },
  };
};
