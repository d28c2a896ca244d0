/**
 * A string being normalized, with the alignment of every normalized UTF-16 unit to the span of
 * the original it came from: the offset-tracking model of Hugging Face's `NormalizedString`
 * (which tracks bytes; units give the same code-point offsets because alignments always cover
 * whole characters). Only the offset-tracking encode path uses it; `encode(...).ids` never does.
 *
 * @example
 * ```ts
 * const ns = NormalizedString.from('Héllo');
 * ns.transform([...'hello'].map((c) => [c, 0]), 0);
 * ns.toOriginal(1, 2); // [1, 2]
 * ```
 */

/** One output character of a transformation and its change: 0 replaces, +1 inserts, -N replaces and removes N following characters. */
export type Change = readonly [char: string, change: number];

export class NormalizedString {
  private constructor(
    /** The original text this piece covers. */
    public original: string,
    /** The normalized text. */
    public normalized: string,
    /** Two entries per normalized unit: [start, end) in `original`. */
    public alignments: number[],
    /** Position of `original` in the whole input. */
    public readonly originalShift: number,
  ) {}

  /**
   * A fresh, unnormalized string.
   *
   * @example
   * ```ts
   * NormalizedString.from('ab').alignments; // [0, 1, 1, 2]
   * ```
   */
  static from(text: string, originalShift = 0): NormalizedString {
    const alignments = new Array<number>(text.length * 2);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const d = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        alignments[2 * i] = i;
        alignments[2 * i + 1] = i + 2;
        alignments[2 * i + 2] = i;
        alignments[2 * i + 3] = i + 2;
        i++;
      } else {
        alignments[2 * i] = i;
        alignments[2 * i + 1] = i + 1;
      }
    }
    return new NormalizedString(text, text, alignments, originalShift);
  }

  /** [start, end) of this piece in the whole input. */
  offsetsOriginal(): [number, number] {
    return [this.originalShift, this.originalShift + this.original.length];
  }

  /**
   * Original-local span covered by normalized units [start, end), or undefined when the range is
   * out of bounds. An empty range maps to itself, as in Hugging Face.
   */
  toOriginal(start: number, end: number): [number, number] | undefined {
    if (start === end) return [start, end];
    if (start > end || end > this.normalized.length) return undefined;
    return [this.alignments[2 * start]!, this.alignments[2 * end - 1]!];
  }

  /**
   * The sub-string for normalized units [start, end), keeping its original span and alignments.
   *
   * @example
   * ```ts
   * NormalizedString.from('hello').slice(1, 3).normalized; // 'el'
   * ```
   */
  slice(start: number, end: number): NormalizedString {
    const span = this.toOriginal(start, end) ?? [0, 0];
    const [os, oe] = span[0] <= span[1] ? span : [span[0], span[0]];
    const alignments = new Array<number>((end - start) * 2);
    for (let i = 2 * start, j = 0; i < 2 * end; i++, j++) alignments[j] = this.alignments[i]! - os;
    return new NormalizedString(
      this.original.slice(os, oe),
      this.normalized.slice(start, end),
      alignments,
      this.originalShift + os,
    );
  }

  /**
   * Replaces normalized units [start, end) by `dest`, updating alignments exactly as Hugging
   * Face's `transform_range` does. `initialOffset` counts characters removed at the start.
   */
  transformRange(start: number, end: number, dest: Iterable<Change>, initialOffset: number): void {
    const replaced = codePoints(this.normalized.slice(start, end));
    let next = 0;
    let offset = start;
    for (; next < initialOffset && next < replaced.length; next++) offset += replaced[next]!.length;
    const old = this.alignments;
    const newAlignments: number[] = [];
    let text = '';
    for (const [c, change] of dest) {
      const idx = offset;
      let s: number;
      let e: number;
      if (change > 0) {
        s = idx < 1 ? 0 : old[2 * (idx - 1)] ?? 0;
        e = idx < 1 ? 0 : old[2 * (idx - 1) + 1] ?? 0;
      } else {
        const at = Math.min(idx, old.length / 2 - 1);
        s = old[2 * at] ?? 0;
        e = old[2 * at + 1] ?? 0;
        offset += replaced[next++]?.length ?? 0;
      }
      for (let k = 0; k < -change; k++) offset += replaced[next++]?.length ?? 0;
      for (let k = 0; k < c.length; k++) newAlignments.push(s, e);
      text += c;
    }
    if (start === 0 && end === this.normalized.length) {
      this.alignments = newAlignments;
      this.normalized = text;
    } else {
      this.alignments = old.slice(0, 2 * start).concat(newAlignments, old.slice(2 * end));
      this.normalized = this.normalized.slice(0, start) + text + this.normalized.slice(end);
    }
  }

  /** {@link transformRange} over the whole normalized string. */
  transform(dest: Iterable<Change>, initialOffset: number): void {
    this.transformRange(0, this.normalized.length, dest, initialOffset);
  }

  /**
   * Keeps only characters for which `keep` is true (Hugging Face `filter`).
   *
   * @example
   * ```ts
   * const ns = NormalizedString.from('a-b');
   * ns.filter((c) => c !== '-');
   * ns.normalized; // 'ab'
   * ```
   */
  filter(keep: (c: string) => boolean): void {
    const chars = codePoints(this.normalized);
    const out: Change[] = [];
    let removed = 0;
    for (let i = chars.length - 1; i >= 0; i--) {
      const c = chars[i]!;
      if (keep(c)) {
        out.push([c, removed > 0 ? -removed : 0]);
        removed = 0;
      } else {
        removed++;
      }
    }
    out.reverse();
    this.transform(out, removed);
  }

  /**
   * Maps each character through `f` (one character to zero or more; the first replaces, the
   * rest are inserted), as Hugging Face's `lowercase` and NFx transforms do.
   */
  mapChars(f: (c: string) => string): void {
    const out: Change[] = [];
    for (const c of codePoints(this.normalized)) {
      const mapped = codePoints(f(c));
      for (let k = 0; k < mapped.length; k++) out.push([mapped[k]!, k > 0 ? 1 : 0]);
    }
    this.transform(out, 0);
  }

  /**
   * Prepends `s` (only when not empty); the new characters align with the first character.
   */
  prepend(s: string): void {
    if (this.normalized.length === 0 || s.length === 0) return;
    const first = codePoints(this.normalized.slice(0, 2))[0]!;
    const dest: Change[] = codePoints(s).map((c, i) => [c, i === 0 ? 0 : 1]);
    dest.push([first, 1]);
    this.transformRange(0, first.length, dest, 0);
  }

  /** Appends `s` (only when not empty); the new characters align with the last character. */
  append(s: string): void {
    if (this.normalized.length === 0 || s.length === 0) return;
    const chars = codePoints(this.normalized);
    const last = chars[chars.length - 1]!;
    const start = this.normalized.length - last.length;
    this.transformRange(start, this.normalized.length, [[last, 0], ...codePoints(s).map((c): Change => [c, 1])], 0);
  }

  /** Replaces normalized units [start, end) by `content`, Hugging Face `replace` style. */
  replaceRange(start: number, end: number, content: string): void {
    const removed = codePoints(this.normalized.slice(start, end)).length;
    this.transformRange(start, end, codePoints(content).map((c): Change => [c, 1]), removed);
  }

  /**
   * Replaces every character by the byte-level symbols of its UTF-8 bytes (the ByteLevel
   * transform): the same result as `transform` with changes (first byte 0, others +1), built
   * directly because it runs on every piece.
   */
  byteLevel(symbols: readonly string[]): void {
    const text = this.normalized;
    const old = this.alignments;
    const alignments: number[] = [];
    let out = '';
    for (let i = 0; i < text.length; ) {
      let cp = text.charCodeAt(i);
      let size = 1;
      if (cp >= 0xd800 && cp <= 0xdfff) {
        const d = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (cp <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          cp = ((cp - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          size = 2;
        } else {
          cp = 0xfffd;
        }
      }
      const s0 = old[2 * i]!;
      const e0 = old[2 * i + 1]!;
      const last = i + size - 1;
      const s1 = old[2 * last]!;
      const e1 = old[2 * last + 1]!;
      if (cp < 0x80) {
        out += symbols[cp]!;
        alignments.push(s0, e0);
      } else {
        const bytes =
          cp < 0x800
            ? [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)]
            : cp < 0x10000
              ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
              : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
        for (let k = 0; k < bytes.length; k++) {
          out += symbols[bytes[k]!]!;
          if (k === 0) alignments.push(s0, e0);
          else alignments.push(s1, e1);
        }
      }
      i += size;
    }
    this.normalized = out;
    this.alignments = alignments;
  }

  /**
   * Replaces every [start, end) span (sorted, non-overlapping) by `content` in one pass, with the
   * alignments successive {@link replaceRange} calls would give: inserted characters align with
   * the last character of the span they replace.
   */
  replaceSpans(spans: readonly (readonly [number, number])[], content: string): void {
    if (spans.length === 0) return;
    const old = this.alignments;
    const text = this.normalized;
    const alignments: number[] = [];
    let out = '';
    let previous = 0;
    for (const [start, end] of spans) {
      for (let i = 2 * previous; i < 2 * start; i++) alignments.push(old[i]!);
      out += text.slice(previous, start);
      const at = end - 1;
      const s = at < 0 ? 0 : (old[2 * at] ?? 0);
      const e = at < 0 ? 0 : (old[2 * at + 1] ?? 0);
      for (let k = 0; k < content.length; k++) alignments.push(s, e);
      out += content;
      previous = end;
    }
    for (let i = 2 * previous; i < old.length; i++) alignments.push(old[i]!);
    out += text.slice(previous);
    this.normalized = out;
    this.alignments = alignments;
  }

  /** Strips leading and/or trailing White_Space. */
  strip(left: boolean, right: boolean, isSpace: (c: string) => boolean): void {
    const chars = codePoints(this.normalized);
    let lead = 0;
    if (left) while (lead < chars.length && isSpace(chars[lead]!)) lead++;
    let trail = 0;
    if (right) while (trail < chars.length - lead && isSpace(chars[chars.length - 1 - trail]!)) trail++;
    if (lead === 0 && trail === 0) return;
    const out: Change[] = [];
    for (let i = lead; i < chars.length - trail; i++) {
      out.push([chars[i]!, i === chars.length - trail - 1 ? -trail : 0]);
    }
    this.transform(out, lead);
  }
}

/**
 * The code points of `s` as strings (lone surrogates kept as one unit).
 *
 * @example
 * ```ts
 * codePoints('a😀'); // ['a', '😀']
 * ```
 */
export function codePoints(s: string): string[] {
  return Array.from(s);
}
