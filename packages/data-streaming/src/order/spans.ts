/**
 * Shard spans and the run-fixed prelude shared by the `py1*` shuffles.
 *
 *   spans:        unit i covers ids [o_i, o_i + size_i), o = prefix sums of the sizes.
 *   divideSpans:  walk the spans in order and cut them at the canonical-node boundaries
 *                 end_c = floor(S·(c+1)/C); node c gets the list range nodeRanges[c].
 *   prelude:      spans shuffled once per run with default_rng(seed), divided, then each node's
 *                 sub-list shuffled with default_rng(seed + epoch), which is returned to go on.
 */
import type { NumpyGenerator } from './generator.js';
import { defaultRng } from './generator.js';

/** A half-open range of ids `[begin, end)`. */
export type Span = [begin: number, end: number];

/**
 * One span per shard (or shuffle unit), in order.
 *
 * @example
 * ```ts
 * shardSpans([3, 2]); // [[0, 3], [3, 5]]
 * ```
 */
export function shardSpans(shardSizes: ArrayLike<number>): { spans: Span[]; numSamples: number } {
  const spans: Span[] = [];
  let numSamples = 0;
  for (let i = 0; i < shardSizes.length; i++) {
    const size = shardSizes[i]!;
    spans.push([numSamples, numSamples + size]);
    numSamples += size;
  }
  return { spans, numSamples };
}

/**
 * Cut `spans` (consumed) at the `numParts` boundaries `floor(numSamples·(p+1)/numParts)`.
 *
 * @example
 * ```ts
 * divideSpans([[0, 10], [10, 15]], 15, 2);
 * // { spans: [[0, 7], [7, 10], [10, 15]], parts: [[0, 1], [1, 3]] }
 * ```
 */
export function divideSpans(spans: Span[], numSamples: number, numParts: number): { spans: Span[]; parts: Span[] } {
  const out: Span[] = [];
  const parts: Span[] = [];
  let beginPart = 0;
  let spanIndex = 0;
  let samplesSoFar = 0;
  for (let part = 0; part < numParts; part++) {
    const partEnd = Math.floor((numSamples * (part + 1)) / numParts);
    while (spanIndex < spans.length) {
      const span = spans[spanIndex]!;
      const size = span[1] - span[0];
      if (partEnd < samplesSoFar + size) {
        if (samplesSoFar < partEnd) {
          const split = partEnd - samplesSoFar;
          out.push([span[0], span[0] + split]);
          spans[spanIndex] = [span[0] + split, span[1]];
          samplesSoFar += split;
        }
        break;
      }
      out.push(span);
      spanIndex++;
      samplesSoFar += size;
    }
    parts.push([beginPart, out.length]);
    beginPart = out.length;
  }
  return { spans: out, parts };
}

/**
 * The common start of `py1s`, `py1e`, `py1br` and `py1b`: spans shuffled for the run, divided over
 * canonical nodes, and shuffled within each node for the epoch.
 *
 * @example
 * ```ts
 * const { spans, parts, epochRng } = canonicalNodeSpans([10, 10, 10, 7], 2, 9176, 0);
 * // parts[c] = [begin, end) of node c's spans; epochRng continues with default_rng(seed + epoch)
 * ```
 */
export function canonicalNodeSpans(
  shardSizes: ArrayLike<number>,
  numCanonicalNodes: number,
  seed: number,
  epoch: number,
): { spans: Span[]; parts: Span[]; numSamples: number; epochRng: NumpyGenerator } {
  const initial = shardSpans(shardSizes);
  defaultRng(seed).shuffle(initial.spans);
  const { spans, parts } = divideSpans(initial.spans, initial.numSamples, numCanonicalNodes);
  const epochRng = defaultRng(seed + epoch);
  for (const [begin, end] of parts) {
    const part = spans.slice(begin, end);
    epochRng.shuffle(part);
    for (let i = 0; i < part.length; i++) spans[begin + i] = part[i]!;
  }
  return { spans, parts, numSamples: initial.numSamples, epochRng };
}
