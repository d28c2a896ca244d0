/**
 * Normalizers: the first pipeline step, applied to text outside non-normalized added tokens.
 * Each implements a fast string form (`normalizeString`, used for ids) and an offset-tracking
 * form (`normalize`, on a {@link NormalizedString}); the two always produce the same text.
 *
 * Adding one: implement {@link Normalizer}, then add a case to `parseNormalizer` in
 * `serialization.ts` (see the README).
 *
 * @example
 * ```ts
 * const n = new SequenceNormalizer([new UnicodeNormalizer('NFC'), new LowercaseNormalizer()]);
 * n.normalizeString('E\u0301COLE'); // 'école'
 * ```
 */
import { BYTE_TO_CHAR, byteLevelEncode } from './byte-level.js';
import { codePoints, type Change, type NormalizedString } from './normalized-string.js';
import { type Pattern } from './pattern.js';
import { isWhitespace } from './unicode.js';

/** A JSON object as found in tokenizer.json. */
export type JsonObject = { [key: string]: unknown };

/** A normalizer step. */
export interface Normalizer {
  /** The `type` written to tokenizer.json. */
  readonly type: string;
  /** Normalized text (the fast path). */
  normalizeString(text: string): string;
  /** Normalizes in place, tracking alignments (the offsets path). */
  normalize(ns: NormalizedString): void;
  /** The tokenizer.json object. */
  toJSON(): JsonObject;
}

/** The Unicode normalization forms. */
export type UnicodeForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

/**
 * NFC / NFD / NFKC / NFKD via `String.prototype.normalize`.
 *
 * Offsets follow the `unicode-normalization-alignments` crate Hugging Face uses: each character
 * decomposes on its own (extra characters align with it), canonical reordering carries the
 * alignments along, and a composed character aligns with its starter. Checked against the
 * library on combining sequences, Hangul jamo and compatibility forms.
 *
 * @example
 * ```ts
 * new UnicodeNormalizer('NFKC').normalizeString('１２３'); // '123'
 * ```
 */
export class UnicodeNormalizer implements Normalizer {
  constructor(readonly type: UnicodeForm) {}

  normalizeString(text: string): string {
    return text.normalize(this.type);
  }

  normalize(ns: NormalizedString): void {
    const text = ns.normalized;
    if (text.normalize(this.type) === text) return;
    ns.transform(unicodeChanges(text, this.type), 0);
  }

  toJSON(): JsonObject {
    return { type: this.type };
  }
}

/** A character and its change while normalizing (see `NormalizedString.transformRange`). */
interface Piece {
  c: string;
  change: number;
}

/** Original characters a change consumes: inserted ones none, others one plus those they remove. */
const consumed = (change: number): number => (change > 0 ? 0 : 1 - change);

/**
 * The (character, change) sequence the `unicode-normalization-alignments` crate feeds Hugging
 * Face's `transform`: per-character decomposition (first 0, the rest +1), canonical reordering
 * that carries each change with its character, then composition where a composite inherits the
 * changes of everything it absorbed.
 */
function unicodeChanges(text: string, form: UnicodeForm): Change[] {
  const decomposition = form === 'NFC' || form === 'NFD' ? 'NFD' : 'NFKD';
  const decomposed: Piece[] = [];
  for (const ch of text) {
    codePoints(ch.normalize(decomposition)).forEach((c, k) => decomposed.push({ c, change: k === 0 ? 0 : 1 }));
  }
  const reordered = reorder(decomposed);
  if (!reordered) return fallbackChanges(text, form);
  if (form === 'NFD' || form === 'NFKD') return reordered.map((p) => [p.c, p.change]);
  const composed = codePoints(text.normalize(form));
  const used = new Uint8Array(reordered.length);
  const out: Change[] = [];
  let next = 0;
  for (const f of composed) {
    while (used[next]) next++;
    const base = reordered[next];
    if (!base) return fallbackChanges(text, form);
    used[next] = 1;
    if (base.c === f) {
      out.push([f, base.change]);
      continue;
    }
    const parts = codePoints(f.normalize('NFD'));
    if (parts[0] !== base.c) return fallbackChanges(text, form);
    let total = consumed(base.change);
    for (const part of parts.slice(1)) {
      let q = next + 1;
      while (q < reordered.length && (used[q] || reordered[q]!.c !== part)) q++;
      if (q >= reordered.length) return fallbackChanges(text, form);
      used[q] = 1;
      total += consumed(reordered[q]!.change);
    }
    out.push([f, total === 0 ? 1 : 1 - total]);
  }
  return used.every((u) => u === 1) ? out : fallbackChanges(text, form);
}

/** Canonical reordering of decomposed pieces (a stable sort by combining class, done by NFD). */
function reorder(pieces: Piece[]): Piece[] | undefined {
  const order = codePoints(pieces.map((p) => p.c).join('').normalize('NFD'));
  if (order.length !== pieces.length) return undefined;
  if (order.every((c, i) => c === pieces[i]!.c)) return pieces;
  const used = new Uint8Array(pieces.length);
  const out: Piece[] = [];
  for (const c of order) {
    const j = pieces.findIndex((p, k) => !used[k] && p.c === c);
    if (j < 0) return undefined;
    used[j] = 1;
    out.push(pieces[j]!);
  }
  return out;
}

/** Coarse alignment when the text defeats the model above: the k-th output follows the k-th input. */
function fallbackChanges(text: string, form: UnicodeForm): Change[] {
  const input = codePoints(text);
  const output = codePoints(text.normalize(form));
  const m = input.length;
  const n = output.length;
  return output.map((c, k): Change => (k >= m ? [c, 1] : k === n - 1 && m > n ? [c, -(m - n)] : [c, 0]));
}

/**
 * Lowercases every code point on its own (no final-sigma rule, as Rust's `char::to_lowercase`).
 *
 * @example
 * ```ts
 * new LowercaseNormalizer().normalizeString('ΟΔΟΣ'); // 'οδοσ'
 * ```
 */
export class LowercaseNormalizer implements Normalizer {
  readonly type = 'Lowercase';

  normalizeString(text: string): string {
    if (isAscii(text)) return text.toLowerCase();
    let out = '';
    for (const c of text) out += c.toLowerCase();
    return out;
  }

  normalize(ns: NormalizedString): void {
    ns.mapChars((c) => c.toLowerCase());
  }

  toJSON(): JsonObject {
    return { type: this.type };
  }
}

/**
 * Prepends a string to non-empty text (used with Metaspace-style vocabularies: `▁`).
 *
 * @example
 * ```ts
 * new PrependNormalizer('▁').normalizeString('hi'); // '▁hi'
 * ```
 */
export class PrependNormalizer implements Normalizer {
  readonly type = 'Prepend';
  constructor(readonly prepend: string) {}

  normalizeString(text: string): string {
    return text.length === 0 ? text : this.prepend + text;
  }

  normalize(ns: NormalizedString): void {
    ns.prepend(this.prepend);
  }

  toJSON(): JsonObject {
    return { type: this.type, prepend: this.prepend };
  }
}

/**
 * Replaces every match of a string or regex pattern.
 *
 * @example
 * ```ts
 * new ReplaceNormalizer(Pattern.string(' '), '▁').normalizeString('a b'); // 'a▁b'
 * ```
 */
export class ReplaceNormalizer implements Normalizer {
  readonly type = 'Replace';
  constructor(
    readonly pattern: Pattern,
    readonly content: string,
  ) {}

  normalizeString(text: string): string {
    let out = '';
    for (const [start, end, isMatch] of this.pattern.findMatches(text)) {
      out += isMatch ? this.content : text.slice(start, end);
    }
    return out;
  }

  normalize(ns: NormalizedString): void {
    const spans: [number, number][] = [];
    for (const [start, end, isMatch] of this.pattern.findMatches(ns.normalized)) if (isMatch) spans.push([start, end]);
    ns.replaceSpans(spans, this.content);
  }

  toJSON(): JsonObject {
    return { type: this.type, pattern: this.pattern.toJSON(), content: this.content };
  }
}

/**
 * Strips White_Space on the left and/or right.
 *
 * @example
 * ```ts
 * new StripNormalizer(true, true).normalizeString('  a  '); // 'a'
 * ```
 */
export class StripNormalizer implements Normalizer {
  readonly type = 'Strip';
  constructor(
    readonly left: boolean,
    readonly right: boolean,
  ) {}

  normalizeString(text: string): string {
    const chars = codePoints(text);
    let start = 0;
    let end = chars.length;
    if (this.left) while (start < end && isSpaceChar(chars[start]!)) start++;
    if (this.right) while (end > start && isSpaceChar(chars[end - 1]!)) end--;
    return chars.slice(start, end).join('');
  }

  normalize(ns: NormalizedString): void {
    ns.strip(this.left, this.right, isSpaceChar);
  }

  toJSON(): JsonObject {
    return { type: this.type, strip_left: this.left, strip_right: this.right };
  }
}

/**
 * Removes combining marks (`\p{M}`); usually placed after NFD or NFKD.
 *
 * @example
 * ```ts
 * new StripAccentsNormalizer().normalizeString('e\u0301'); // 'e'
 * ```
 */
export class StripAccentsNormalizer implements Normalizer {
  readonly type = 'StripAccents';

  normalizeString(text: string): string {
    return text.replace(/\p{M}/gu, '');
  }

  normalize(ns: NormalizedString): void {
    ns.filter((c) => !/^\p{M}$/u.test(c));
  }

  toJSON(): JsonObject {
    return { type: this.type };
  }
}

/**
 * Maps text to its byte-level form (the `ByteLevel` normalizer).
 *
 * @example
 * ```ts
 * new ByteLevelNormalizer().normalizeString('a b'); // 'aĠb'
 * ```
 */
export class ByteLevelNormalizer implements Normalizer {
  readonly type = 'ByteLevel';

  normalizeString(text: string): string {
    return byteLevelEncode(text);
  }

  normalize(ns: NormalizedString): void {
    byteLevelTransform(ns);
  }

  toJSON(): JsonObject {
    return { type: this.type };
  }
}

/**
 * Applies normalizers in order.
 *
 * @example
 * ```ts
 * new SequenceNormalizer([new UnicodeNormalizer('NFKC'), new LowercaseNormalizer()]).normalizeString('Ａ'); // 'a'
 * ```
 */
export class SequenceNormalizer implements Normalizer {
  readonly type = 'Sequence';
  constructor(readonly normalizers: readonly Normalizer[]) {}

  normalizeString(text: string): string {
    for (const n of this.normalizers) text = n.normalizeString(text);
    return text;
  }

  normalize(ns: NormalizedString): void {
    for (const n of this.normalizers) n.normalize(ns);
  }

  toJSON(): JsonObject {
    return { type: this.type, normalizers: this.normalizers.map((n) => n.toJSON()) };
  }
}

/** Replaces every character by its UTF-8 bytes' byte-level symbols, keeping alignments. */
export function byteLevelTransform(ns: NormalizedString): void {
  ns.byteLevel(BYTE_TO_CHAR);
}

function isSpaceChar(c: string): boolean {
  return isWhitespace(c.codePointAt(0)!);
}

/**
 * True when every unit of `s` is ASCII.
 *
 * @example
 * ```ts
 * isAscii('abc'); // true
 * ```
 */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
