/**
 * Partition `relaxed` (the default): `orig` on a first run or whenever P and C divide one another;
 * otherwise (resuming on a node count incompatible with C) `orig` over the initial node count P0
 * with the same global batch G = P·R·B (B0 = G / (P0·R)), flattened in traversal order
 * (batch m, worker w, node, rank, b) and re-cut as [m'][W][P][R][B], transposed to [P][R][W][m'][B].
 * Global batches are the same as the original run's; assumes R and W unchanged.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Partition } from './partition.js';
import { partitionOrig, type OrigArgs } from './partition-orig.js';

/** Validated arguments of the `relaxed` partition. */
export interface RelaxedArgs extends OrigArgs {
  initialPhysicalNodes: number | null;
}

/**
 * `get_partitions_relaxed`.
 *
 * @example
 * ```ts
 * partitionRelaxed({ numSamples: 1000, numCanonicalNodes: 3, numPhysicalNodes: 2, ranksPerNode: 1,
 *   workersPerRank: 1, batchSize: 3, dropFirst: 0, initialPhysicalNodes: 3 }).shape; // [2, 1, 1, 167, 3]
 * ```
 */
export function partitionRelaxed(args: RelaxedArgs): Partition {
  const { numCanonicalNodes: C, numPhysicalNodes: P, ranksPerNode: R, workersPerRank: W, batchSize: B } = args;
  const P0 = args.initialPhysicalNodes;
  if (P0 === null || (P <= C && C % P === 0) || (P > C && P % C === 0)) return partitionOrig(args);

  const globalBatch = P * R * B;
  const initialDevices = P0 * R;
  if (globalBatch % initialDevices !== 0) {
    throw new InvalidArgumentError(
      'partition relaxed',
      `a global batch size of ${globalBatch} is not divisible by the initial number of devices (${initialDevices})`,
      'keep the global batch size (physical nodes x ranks x batch size) the same when resuming',
    );
  }
  const initial = partitionOrig({ ...args, numPhysicalNodes: P0, batchSize: globalBatch / initialDevices });
  const [, , , m0, B0] = initial.shape;
  // Flatten in traversal order (m, w, node, rank, b).
  const flat = new Float64Array(initial.ids.length);
  let at = 0;
  for (let m = 0; m < m0; m++) {
    for (let w = 0; w < W; w++) {
      for (let n = 0; n < P0; n++) {
        for (let r = 0; r < R; r++) {
          const base = (((n * R + r) * W + w) * m0 + m) * B0;
          for (let b = 0; b < B0; b++) flat[at++] = initial.ids[base + b]!;
        }
      }
    }
  }
  // Re-cut as [m'][W][P][R][B] and transpose to [P][R][W][m'][B].
  const batches = flat.length / (W * P * R * B);
  const out = new Float64Array(flat.length);
  at = 0;
  for (let n = 0; n < P; n++) {
    for (let r = 0; r < R; r++) {
      for (let w = 0; w < W; w++) {
        for (let m = 0; m < batches; m++) {
          const base = (((m * W + w) * P + n) * R + r) * B;
          for (let b = 0; b < B; b++) out[at++] = flat[base + b]!;
        }
      }
    }
  }
  return { shape: [P, R, W, batches, B], ids: out, warnings: initial.warnings };
}
