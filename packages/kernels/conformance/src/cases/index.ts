/** Every conformance case, grouped by kernel family. */
import type { ConformanceCase } from '../case.js';
import { edgeCases } from './edge.js';
import { elementwiseCases } from './elementwise.js';
import { matmulCases } from './linalg.js';
import { nnCases } from './nn.js';
import { reduceCases } from './reduce.js';
import { shapeCases } from './shape.js';

/**
 * The cases every backend runs, covering every kernel definition of `@tessera/tensor`.
 *
 * @example
 * ```ts
 * for (const c of conformanceCases) console.log(c.kernel, c.name);
 * ```
 */
export const conformanceCases: readonly ConformanceCase[] = [
  ...elementwiseCases,
  ...reduceCases,
  ...shapeCases,
  ...matmulCases,
  ...nnCases,
  ...edgeCases,
];
