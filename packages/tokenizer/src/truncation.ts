/**
 * Truncation and padding as tokenizer.json's `truncation` and `padding` describe them.
 * Overflowing tokens are dropped (Hugging Face returns them as `overflowing`; we do not).
 *
 * @example
 * ```ts
 * const parts = [{ ids: [1, 2, 3, 4] }];
 * truncateParts(parts, { maxLength: 2, strategy: 'LongestFirst', direction: 'Right', stride: 0 });
 * parts[0].ids; // [1, 2]
 * ```
 */
import type { EncodingPart } from './post-processors.js';

/** Truncation settings (tokenizer.json `truncation`, camelCase). */
export interface TruncationOptions {
  maxLength: number;
  strategy: 'LongestFirst' | 'OnlyFirst' | 'OnlySecond';
  direction: 'Right' | 'Left';
  /** Kept for round trips; overflowing windows are not produced. */
  stride: number;
}

/** Padding settings (tokenizer.json `padding`, camelCase). */
export interface PaddingOptions {
  /** `'BatchLongest'` or a fixed length. */
  strategy: 'BatchLongest' | { fixed: number };
  direction: 'Right' | 'Left';
  padToMultipleOf: number | null;
  padId: number;
  padTypeId: number;
  padToken: string;
}

function cut(part: EncodingPart, keep: number, direction: 'Right' | 'Left'): void {
  if (part.ids.length <= keep) return;
  const slice = <T>(a: T[] | undefined): T[] | undefined =>
    a === undefined ? undefined : direction === 'Right' ? a.slice(0, keep) : a.slice(a.length - keep);
  part.ids = slice(part.ids)!;
  const tokens = slice(part.tokens);
  const offsets = slice(part.offsets);
  const typeIds = slice(part.typeIds);
  const mask = slice(part.specialTokensMask);
  if (tokens) part.tokens = tokens;
  if (offsets) part.offsets = offsets;
  if (typeIds) part.typeIds = typeIds;
  if (mask) part.specialTokensMask = mask;
}

/**
 * Truncates one sequence or a pair so their total length fits `maxLength` (already reduced by
 * the special tokens the post-processor will add).
 */
export function truncateParts(parts: EncodingPart[], options: TruncationOptions): void {
  const [first, second] = parts;
  if (!first) return;
  const total = first.ids.length + (second?.ids.length ?? 0);
  if (total <= options.maxLength) return;
  const toRemove = total - options.maxLength;
  if (!second) {
    if (options.strategy === 'OnlySecond') return;
    cut(first, Math.max(0, first.ids.length - toRemove), options.direction);
    return;
  }
  switch (options.strategy) {
    case 'LongestFirst': {
      // Hugging Face: shorten the longer input to fit, or both to half when that is not enough.
      const max = options.maxLength;
      let n1 = first.ids.length;
      let n2 = second.ids.length;
      const swap = n1 > n2;
      if (swap) [n1, n2] = [n2, n1];
      n2 = n1 > max ? n1 : Math.max(n1, max - n1);
      if (n1 + n2 > max) {
        n1 = Math.floor(max / 2);
        n2 = n1 + (max % 2);
      }
      if (swap) [n1, n2] = [n2, n1];
      cut(first, n1, options.direction);
      cut(second, n2, options.direction);
      return;
    }
    case 'OnlyFirst':
      if (first.ids.length > toRemove) cut(first, first.ids.length - toRemove, options.direction);
      return;
    case 'OnlySecond':
      if (second.ids.length > toRemove) cut(second, second.ids.length - toRemove, options.direction);
      return;
  }
}

/** Length an encoding of `length` tokens is padded to, given the longest in its batch. */
export function paddedLength(options: PaddingOptions, longest: number): number {
  let target = options.strategy === 'BatchLongest' ? longest : options.strategy.fixed;
  const multiple = options.padToMultipleOf;
  if (multiple && multiple > 0 && target % multiple !== 0) target += multiple - (target % multiple);
  return target;
}
