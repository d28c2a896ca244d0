/**
 * The offset-tracking pipeline state: the input split into pieces, each a
 * {@link NormalizedString}, some already resolved to tokens (added tokens, then model output).
 * Mirrors Hugging Face's `PreTokenizedString`.
 *
 * @example
 * ```ts
 * const pts = PreTokenizedString.from('a b');
 * pts.split((ns) => splitNormalized(ns, Pattern.string(' ').findMatches(ns.normalized), 'Removed'));
 * pts.splits.map((s) => s.normalized.normalized); // ['a', 'b']
 * ```
 */
import { NormalizedString } from './normalized-string.js';
import type { MatchSpan } from './pattern.js';

/** A token with [start, end) in the normalized units of its piece. */
export interface PieceToken {
  id: number;
  value: string;
  start: number;
  end: number;
}

/** One piece of the input. */
export interface Split {
  normalized: NormalizedString;
  /** Set once the piece is tokenized (added tokens are tokenized when found). */
  tokens?: PieceToken[];
}

/** What to do with the delimiter (the match) when splitting. */
export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

/** The behaviours, for validation. */
export const SPLIT_BEHAVIORS: readonly SplitBehavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

export class PreTokenizedString {
  constructor(
    readonly original: string,
    public splits: Split[],
  ) {}

  /**
   * The whole text as one untokenized piece.
   *
   * @example
   * ```ts
   * PreTokenizedString.from('hi').splits.length; // 1
   * ```
   */
  static from(text: string): PreTokenizedString {
    return new PreTokenizedString(text, [{ normalized: NormalizedString.from(text) }]);
  }

  /** Replaces each untokenized piece by the pieces `fn` returns, dropping empty ones. */
  split(fn: (ns: NormalizedString) => (NormalizedString | Split)[]): void {
    const next: Split[] = [];
    for (const split of this.splits) {
      if (split.tokens) {
        next.push(split);
        continue;
      }
      for (const piece of fn(split.normalized)) {
        const s: Split = piece instanceof NormalizedString ? { normalized: piece } : piece;
        if (s.normalized.normalized.length > 0) next.push(s);
      }
    }
    this.splits = next;
  }

  /** Applies `fn` to every untokenized piece. */
  normalize(fn: (ns: NormalizedString) => void): void {
    for (const split of this.splits) if (!split.tokens) fn(split.normalized);
  }
}

/**
 * Applies a split behaviour to match spans (Hugging Face `NormalizedString::split`), returning
 * the kept [start, end) ranges.
 *
 * @example
 * ```ts
 * splitSpans([[0, 3, false], [3, 4, true], [4, 9, false]], 'MergedWithPrevious'); // [[0, 4], [4, 9]]
 * ```
 */
export function splitSpans(spans: readonly MatchSpan[], behavior: SplitBehavior): [number, number][] {
  const out: [number, number][] = [];
  switch (behavior) {
    case 'Isolated':
      for (const [s, e] of spans) out.push([s, e]);
      return out;
    case 'Removed':
      for (const [s, e, m] of spans) if (!m) out.push([s, e]);
      return out;
    case 'Contiguous': {
      let previous = false;
      for (const [s, e, m] of spans) {
        const last = out[out.length - 1];
        if (m === previous && last) last[1] = e;
        else out.push([s, e]);
        previous = m;
      }
      return out;
    }
    case 'MergedWithPrevious': {
      let previous = false;
      for (const [s, e, m] of spans) {
        const last = out[out.length - 1];
        if (m && !previous && last) last[1] = e;
        else out.push([s, e]);
        previous = m;
      }
      return out;
    }
    case 'MergedWithNext': {
      let previous = false;
      for (let i = spans.length - 1; i >= 0; i--) {
        const [s, e, m] = spans[i]!;
        const last = out[out.length - 1];
        if (m && !previous && last) last[0] = s;
        else out.push([s, e]);
        previous = m;
      }
      return out.reverse();
    }
  }
}

/**
 * Splits a normalized string by match spans and a behaviour.
 *
 * @example
 * ```ts
 * splitNormalized(NormalizedString.from('a-b'), Pattern.string('-').findMatches('a-b'), 'Isolated').length; // 3
 * ```
 */
export function splitNormalized(ns: NormalizedString, spans: readonly MatchSpan[], behavior: SplitBehavior): NormalizedString[] {
  return splitSpans(spans, behavior).map(([s, e]) => ns.slice(s, e));
}

/**
 * Match spans for a per-character predicate: every matching character is its own match.
 *
 * @example
 * ```ts
 * charMatches('a1', (cp) => cp === 0x31); // [[0, 1, false], [1, 2, true]]
 * ```
 */
export function charMatches(text: string, isMatch: (cp: number) => boolean): MatchSpan[] {
  if (text.length === 0) return [[0, 0, false]];
  const spans: MatchSpan[] = [];
  let lastOffset = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const size = cp > 0xffff ? 2 : 1;
    if (isMatch(cp)) {
      if (lastOffset < i) spans.push([lastOffset, i, false]);
      spans.push([i, i + size, true]);
      lastOffset = i + size;
    }
    i += size;
  }
  if (text.length > lastOffset) spans.push([lastOffset, text.length, false]);
  return spans;
}
