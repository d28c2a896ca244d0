/**
 * The `pattern` of `Split` and `Replace` (`{ "String": "..." }` or `{ "Regex": "..." }`),
 * compiled once to a JS regular expression. Matching follows the Oniguruma iterator Hugging
 * Face uses: leftmost matches, non-overlapping, and an empty match right after the previous
 * match is skipped.
 *
 * @example
 * ```ts
 * Pattern.string('-').findMatches('a-b'); // [[0, 1, false], [1, 2, true], [2, 3, false]]
 * ```
 */
import { translateOnigRegex } from './regex.js';

/** A [start, end, isMatch] span; the spans of one call cover the text in order. */
export type MatchSpan = [start: number, end: number, isMatch: boolean];

/**
 * A compiled `Split` / `Replace` pattern.
 *
 * @example
 * ```ts
 * Pattern.regex('\\s+').findMatches('a b'); // [[0, 1, false], [1, 2, true], [2, 3, false]]
 * ```
 */
export class Pattern {
  private constructor(
    /** The tokenizer.json form. */
    readonly kind: 'String' | 'Regex',
    readonly source: string,
    /** Compiled with the `gu` flags. */
    readonly regex: RegExp,
  ) {}

  /**
   * A literal string pattern.
   *
   * @example
   * ```ts
   * Pattern.string('▁');
   * ```
   */
  static string(literal: string): Pattern {
    return new Pattern('String', literal, new RegExp(literal.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), 'gu'));
  }

  /**
   * An Oniguruma regex pattern (throws `UnsupportedRegexError` or `SyntaxError` when it cannot
   * be expressed in JS).
   *
   * @example
   * ```ts
   * Pattern.regex("'s|'t| ?\\p{L}+");
   * ```
   */
  static regex(source: string): Pattern {
    return new Pattern('Regex', source, new RegExp(translateOnigRegex(source), 'gu'));
  }

  /**
   * Calls `onMatch(start, end)` for every match, in order.
   *
   * @example
   * ```ts
   * Pattern.regex('\\d+').forEachMatch('a12b3', (s, e) => console.log(s, e)); // 1 3, 4 5
   * ```
   */
  forEachMatch(text: string, onMatch: (start: number, end: number) => void): void {
    const re = this.regex;
    re.lastIndex = 0;
    let lastMatchEnd = -1;
    while (re.lastIndex <= text.length) {
      const m = re.exec(text);
      if (m === null) break;
      const start = m.index;
      const end = start + m[0].length;
      if (start === end) {
        if (end === lastMatchEnd) {
          re.lastIndex = advance(text, end);
          continue;
        }
        onMatch(start, end);
        lastMatchEnd = end;
        // The next search starts at the same place and skips this empty match.
        re.lastIndex = advance(text, end);
        continue;
      }
      onMatch(start, end);
      lastMatchEnd = end;
      re.lastIndex = end;
    }
    re.lastIndex = 0;
  }

  /**
   * Matched and unmatched spans covering `text` (an empty text gives one unmatched empty span).
   *
   * @example
   * ```ts
   * Pattern.regex('\\s').findMatches('a b'); // [[0, 1, false], [1, 2, true], [2, 3, false]]
   * ```
   */
  findMatches(text: string): MatchSpan[] {
    if (text.length === 0) return [[0, 0, false]];
    const spans: MatchSpan[] = [];
    let previous = 0;
    this.forEachMatch(text, (start, end) => {
      if (previous !== start) spans.push([previous, start, false]);
      spans.push([start, end, true]);
      previous = end;
    });
    if (previous !== text.length) spans.push([previous, text.length, false]);
    return spans;
  }

  /** The tokenizer.json form: `{ String: ... }` or `{ Regex: ... }`. */
  toJSON(): { String: string } | { Regex: string } {
    return this.kind === 'String' ? { String: this.source } : { Regex: this.source };
  }
}

function advance(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? i + 2 : i + 1;
}
