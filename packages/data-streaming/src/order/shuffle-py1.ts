/**
 * The `py1*` shuffles: shards are assigned to canonical nodes once per run (spans shuffled with
 * default_rng(seed), cut at node boundaries), their order within each node is reshuffled every epoch
 * with ep = default_rng(seed + epoch), and then samples are mixed within a bounded window so that a
 * node only ever needs a few shards at a time.
 *
 *   py1s   each span's ids shuffled with ep, spans in their node order.
 *   py1b   each node's ids laid out in span order, then shuffled in fixed blocks
 *          [start + i·block, min(start + (i+1)·block, stop)) (removed upstream in 0.11; old runs).
 *   py1br  stagger[c] = ep.integers(0, ⌊0.75·block⌋) for every node first; then per node, blocks of
 *          size bs = ep.integers(⌊0.75·block⌋, ⌊1.25·block⌋) shifted back by the stagger and clipped
 *          to the node, each shuffled in order.
 *   py1e   (default) per node: each span's ids shuffled with ep and concatenated; position i of the
 *          node gets i + ep.uniform(lo, hi) with, per span of size z at offset off,
 *          bs = ep.integers(⌊0.75·block⌋, ⌊1.25·block⌋), cut = max((bs − z)/2, 0),
 *          lo = max(−cut, −off), hi = min(cut, N_c − off − z); ids ordered by np.argsort(positions).
 * Shapes: input shard (unit) sizes, output a permutation of 0..S−1 (S = Σ sizes).
 */
import { InvalidArgumentError } from '../errors.js';
import { argsort } from './argsort.js';
import { canonicalNodeSpans } from './spans.js';

/** A shuffle's output: `ids[position] = big sample id`, plus warnings upstream would emit. */
export interface ShuffleResult {
  ids: Float64Array;
  warnings: string[];
}

/** The warning py1e emits when a span is longer than its drawn block (upstream's first sentence). */
export const BLOCK_SMALLER_THAN_SHARD_WARNING =
  'Shuffle block size was smaller than shard size for some shards. These shards are not mixed with ' +
  'their neighbours; set shuffleBlockSize to a larger value for a higher quality shuffle.';

function fillArange(ids: Float64Array, at: number, begin: number, end: number): void {
  for (let v = begin; v < end; v++) ids[at++] = v;
}

/**
 * `py1s`: intra-shard shuffle in one pass.
 *
 * @example
 * ```ts
 * Array.from(shufflePy1s([10, 10, 10, 7], 2, 9176, 0).ids).slice(0, 4); // [12, 10, 13, 15]
 * ```
 */
export function shufflePy1s(shardSizes: ArrayLike<number>, numCanonicalNodes: number, seed: number, epoch: number): ShuffleResult {
  const { spans, numSamples, epochRng } = canonicalNodeSpans(shardSizes, numCanonicalNodes, seed, epoch);
  const ids = new Float64Array(numSamples);
  let offset = 0;
  for (const [begin, end] of spans) {
    fillArange(ids, offset, begin, end);
    epochRng.shuffleRange(ids, offset, offset + end - begin);
    offset += end - begin;
  }
  return { ids, warnings: [] };
}

/**
 * `py1b`: fixed-size blocks within each canonical node (kept for runs started before 0.11).
 *
 * @example
 * ```ts
 * shufflePy1b([10, 10, 10, 7], 2, 9176, 0, 20).ids.length; // 37
 * ```
 */
export function shufflePy1b(
  shardSizes: ArrayLike<number>,
  numCanonicalNodes: number,
  seed: number,
  epoch: number,
  blockSize: number,
): ShuffleResult {
  const { spans, parts, numSamples, epochRng } = canonicalNodeSpans(shardSizes, numCanonicalNodes, seed, epoch);
  const ids = new Float64Array(numSamples);
  let offset = 0;
  for (const [partBegin, partEnd] of parts) {
    const nodeStart = offset;
    for (let s = partBegin; s < partEnd; s++) {
      const [begin, end] = spans[s]!;
      fillArange(ids, offset, begin, end);
      offset += end - begin;
    }
    for (let start = nodeStart; start < offset; start += blockSize) {
      epochRng.shuffleRange(ids, start, Math.min(start + blockSize, offset));
    }
  }
  return { ids, warnings: [] };
}

/**
 * `py1br`: randomised, staggered blocks within each canonical node.
 *
 * @example
 * ```ts
 * Array.from(shufflePy1br([10, 10, 10, 7], 2, 9176, 0, 20).ids).slice(0, 4); // [15, 12, 10, 16]
 * ```
 */
export function shufflePy1br(
  shardSizes: ArrayLike<number>,
  numCanonicalNodes: number,
  seed: number,
  epoch: number,
  blockSize: number,
): ShuffleResult {
  const { spans, parts, numSamples, epochRng } = canonicalNodeSpans(shardSizes, numCanonicalNodes, seed, epoch);
  const low = Math.trunc(0.75 * blockSize);
  const high = Math.trunc(1.25 * blockSize);
  const ids = new Float64Array(numSamples);
  const stagger = epochRng.integersArray(0, low, numCanonicalNodes);
  let nodeStop = 0;
  for (let node = 0; node < parts.length; node++) {
    const [partBegin, partEnd] = parts[node]!;
    const nodeStart = nodeStop;
    for (let s = partBegin; s < partEnd; s++) {
      const [begin, end] = spans[s]!;
      fillArange(ids, nodeStop, begin, end);
      nodeStop += end - begin;
    }
    const blocks: number[] = [];
    const nodeStagger = stagger[node]!;
    let blocksEnd = nodeStart;
    while (blocksEnd < nodeStop) {
      const size = epochRng.integers(low, high);
      const start = Math.max(blocksEnd - nodeStagger, nodeStart);
      const stop = Math.min(blocksEnd + size - nodeStagger, nodeStop);
      blocks.push(start, stop);
      blocksEnd += stop - start;
    }
    for (let b = 0; b < blocks.length; b += 2) epochRng.shuffleRange(ids, blocks[b]!, blocks[b + 1]!);
  }
  return { ids, warnings: [] };
}

/**
 * `py1e` (the default): samples of each span spread over an expanded window around the span.
 *
 * @example
 * ```ts
 * Array.from(shufflePy1e([10, 10, 10, 7], 2, 9176, 0, 20).ids).slice(0, 4); // [13, 12, 10, 25]
 * ```
 */
export function shufflePy1e(
  shardSizes: ArrayLike<number>,
  numCanonicalNodes: number,
  seed: number,
  epoch: number,
  blockSize: number,
): ShuffleResult {
  const { spans, parts, numSamples, epochRng } = canonicalNodeSpans(shardSizes, numCanonicalNodes, seed, epoch);
  const low = Math.trunc(0.75 * blockSize);
  const high = Math.trunc(1.25 * blockSize);
  const bits = epochRng.bitGenerator;
  const ids = new Float64Array(numSamples);
  let offset = 0;
  let warn = false;
  for (const [partBegin, partEnd] of parts) {
    let nodeSamples = 0;
    for (let s = partBegin; s < partEnd; s++) nodeSamples += spans[s]![1] - spans[s]![0];
    if (nodeSamples === 0) {
      throw new InvalidArgumentError(
        'shuffle py1e',
        `a canonical node was assigned 0 samples (${numSamples} samples over ${numCanonicalNodes} canonical nodes)`,
        'the stream very likely has fewer samples than canonical nodes: check index.json, or lower numCanonicalNodes',
      );
    }
    const samples = new Float64Array(nodeSamples);
    let inserted = 0;
    for (let s = partBegin; s < partEnd; s++) {
      const [begin, end] = spans[s]!;
      fillArange(samples, inserted, begin, end);
      epochRng.shuffleRange(samples, inserted, inserted + end - begin);
      inserted += end - begin;
    }
    const positions = new Float64Array(nodeSamples);
    for (let i = 0; i < nodeSamples; i++) positions[i] = i;
    let nodeOffset = 0;
    for (let s = partBegin; s < partEnd; s++) {
      const spanSize = spans[s]![1] - spans[s]![0];
      const randBlockSize = epochRng.integers(low, high);
      let cutoff = (randBlockSize - spanSize) / 2;
      if (cutoff < 0) {
        cutoff = 0;
        warn = true;
      }
      const lowerBound = Math.max(-cutoff, -nodeOffset);
      const upperBound = Math.min(cutoff, nodeSamples - nodeOffset - spanSize);
      const range = upperBound - lowerBound;
      for (let i = nodeOffset; i < nodeOffset + spanSize; i++) positions[i] = positions[i]! + (lowerBound + range * bits.nextDouble());
      nodeOffset += spanSize;
    }
    const order = argsort(positions);
    for (let i = 0; i < nodeSamples; i++) ids[offset + i] = samples[order[i]!]!;
    offset += nodeSamples;
  }
  return { ids, warnings: warn ? [BLOCK_SMALLER_THAN_SHARD_WARNING] : [] };
}
