/**
 * Partition `orig`: the closed form that makes the sample order elastically deterministic.
 *
 *   S samples, C canonical nodes, P physical nodes, R ranks, W workers, B batch, D = dropFirst
 *   (rounded down to a multiple of P). spc = ceil(S/C); if C < P: ratio = P/C,
 *   pad = (ratio − spc mod ratio) mod ratio, else pad = 0; L = spc + pad.
 *   ids[c][j] = ⌊cS/C⌋ + j; a row one short repeats its last id at column spc−1; the last pad
 *   columns copy columns spc−pad−ratio+1 … (numpy slice semantics). If S < C, or S == C < P:
 *   ids = 0,1,…,S−1,0,1,… row-major.
 *   seq[t] = ids[t mod C][t div C] minus the first D; node n takes seq[kP + n]; a node whose length
 *   M is not a multiple of R gets u = R − M mod R copies of node[M−R−u+1 … M−R] (or node tiled);
 *   rank r takes node[kR + r]; each rank is padded with −1 to a multiple of W·B and
 *   out[n][r][w][m][b] = rank[(mW + w)B + b].
 * Global batch k is then exactly seq[D + kG, D + (k+1)G), G = P·R·B, whatever P, R, W and B are.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Partition } from './partition.js';

/** Validated arguments of the `orig` partition (see `getPartitions`). */
export interface OrigArgs {
  numSamples: number;
  numCanonicalNodes: number;
  numPhysicalNodes: number;
  ranksPerNode: number;
  workersPerRank: number;
  batchSize: number;
  dropFirst: number;
}

/**
 * `get_partitions_orig`. Requires C % P == 0 or P % C == 0.
 *
 * @example
 * ```ts
 * partitionOrig({ numSamples: 37, numCanonicalNodes: 2, numPhysicalNodes: 1, ranksPerNode: 2,
 *   workersPerRank: 1, batchSize: 4, dropFirst: 0 }).shape; // [1, 2, 1, 5, 4]
 * ```
 */
export function partitionOrig(args: OrigArgs): Partition {
  const { numSamples: S, numCanonicalNodes: C, numPhysicalNodes: P, ranksPerNode: R, workersPerRank: W, batchSize: B } = args;
  const warnings: string[] = [];
  if ((C < P && P % C !== 0) || (P < C && C % P !== 0)) {
    throw new InvalidArgumentError(
      'partition orig',
      `numCanonicalNodes (${C}) and numPhysicalNodes (${P}) must divide one another`,
      "otherwise striping shards over nodes makes every node download every shard; use partitionAlgo 'relaxed' with initialPhysicalNodes when resuming on a different node count",
    );
  }
  let D = args.dropFirst;
  if (D % P !== 0) {
    warnings.push(`sampleInEpoch ${D} is not divisible by numPhysicalNodes ${P}: rounded down to ${D - (D % P)} (a few samples are seen twice).`);
    D -= D % P;
  }

  // Sample ids per canonical node: ids[c][j], C rows of L columns.
  const spc = Math.floor((S + C - 1) / C);
  let ratio = 0;
  let pad = 0;
  if (C < P) {
    ratio = P / C;
    const overflow = spc % ratio;
    if (overflow) pad = ratio - overflow;
  }
  const L = spc + pad;
  const ids = new Float64Array(C * L);
  if (S > C || (S === C && C >= P)) {
    for (let c = 0; c < C; c++) {
      const start = Math.floor((c * S) / C);
      const stop = Math.floor(((c + 1) * S) / C);
      const row = c * L;
      for (let j = 0; j < L; j++) ids[row + j] = start + j;
      if (stop - start < spc) ids[row + spc - 1] = ids[row + spc - 1]! - 1;
    }
    if (pad) copyPadding(ids, C, L, pad, ratio);
  } else {
    warnings.push(
      `Trying to partition ${S} samples over ${C} canonical nodes. This will result in many samples being repeated, ` +
        'and depending on your batching method, batches being completely dropped.',
    );
    for (let t = 0; t < C * L; t++) ids[t] = t % S;
  }

  // Interleave canonical nodes, drop what was seen, stripe over physical nodes.
  const total = Math.max(C * L - D, 0);
  const M = total / P;
  const nodeAt = (n: number, k: number): number => {
    const t = D + k * P + n;
    return ids[(t % C) * L + Math.floor(t / C)]!;
  };

  // Make each node's length a multiple of R by repeating a few samples.
  let underflow = 0;
  let tiled = false;
  if (M % R) {
    underflow = R - (M % R);
    tiled = R + underflow - 1 > M;
    if (tiled) {
      warnings.push(
        `Attempting to partition ${M} samples per physical node over ${R} gpus. This will result in many samples ` +
          'being repeated, and depending on your batching method, batches being completely dropped.',
      );
    }
  }
  // The i-th repeated sample of a node: node[M−R−u+1+i], or node[i mod M] when the node is too short.
  const repeatedAt = (i: number): number => (tiled ? i % M : M - R - underflow + 1 + i);
  const perRank = (M + underflow) / R;
  const group = W * B;
  const batches = Math.ceil(perRank / group);
  const out = new Float64Array(P * R * W * batches * B);
  let at = 0;
  for (let n = 0; n < P; n++) {
    for (let r = 0; r < R; r++) {
      for (let w = 0; w < W; w++) {
        for (let m = 0; m < batches; m++) {
          for (let b = 0; b < B; b++) {
            const position = (m * W + w) * B + b;
            if (position >= perRank) {
              out[at++] = -1;
              continue;
            }
            const k = position * R + r;
            out[at++] = nodeAt(n, k < M ? k : repeatedAt(k - M));
          }
        }
      }
    }
  }
  return { shape: [P, R, W, batches, B], ids: out, warnings };
}

/** `ids[:, -pad:] = ids[:, -2·pad-ratio+1 : -pad-ratio+1]` with numpy slicing and broadcasting. */
function copyPadding(ids: Float64Array, C: number, L: number, pad: number, ratio: number): void {
  const start = Math.max(L - 2 * pad - ratio + 1, 0);
  const stop = Math.max(L - pad - ratio + 1, 0);
  const length = Math.max(stop - start, 0);
  if (length !== pad && length !== 1) {
    throw new InvalidArgumentError(
      'partition orig',
      `too few samples per canonical node (${L - pad}) to pad them to a multiple of ${ratio} physical nodes per canonical node`,
      'use fewer physical nodes, more canonical nodes, or a larger dataset',
    );
  }
  for (let c = 0; c < C; c++) {
    const row = c * L;
    for (let k = 0; k < pad; k++) ids[row + L - pad + k] = ids[row + start + (length === 1 ? 0 : k)]!;
  }
}
