/**
 * Unicode character classes as the Rust side of Hugging Face `tokenizers` sees them, with
 * cached lookups so the hot loops never run a regular expression per character.
 *
 * - whitespace: Rust `char::is_whitespace` and Oniguruma `\s` (the White_Space property). JS `\s`
 *   differs: it includes U+FEFF and omits U+0085, so we never use it.
 * - letter `\p{L}`, number `\p{N}`.
 * - word: Rust-regex `\w` (Alphabetic, M, Nd, Pc, Join_Control; used for `single_word` added
 *   tokens) and Oniguruma `\w` (L, M, N, Pc; used by the pre-tokenizer regexes).
 *
 * @example
 * ```ts
 * charClass(0x41) === CLASS_LETTER; // true
 * isWhitespace(0x85); // true (NEL), unlike JS /\s/
 * ```
 */

/** Class bits returned by {@link charClass}. */
export const CLASS_OTHER = 0;
/** `\p{L}` */
export const CLASS_LETTER = 1;
/** `\p{N}` */
export const CLASS_NUMBER = 2;
/** White_Space */
export const CLASS_SPACE = 3;

/** The White_Space set, as a regular-expression class body (for building patterns). */
export const WHITESPACE_CLASS = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Oniguruma `\w` as a class body (pre-tokenizer regexes): Unicode TR18's word class. */
export const ONIG_WORD_CLASS = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
/** Rust-regex `\w` as a class body (added-token `single_word`). */
export const RUST_WORD_CLASS = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';

const letterRe = /^\p{L}$/u;
const numberRe = /^\p{N}$/u;
const wordRe = new RegExp(`^[${RUST_WORD_CLASS}]$`, 'u');

/** Lazily filled class table for the BMP: 0 = not computed yet, else class + 1. */
const bmpClass = new Uint8Array(0x10000);
const astralClass = new Map<number, number>();

/**
 * True for the White_Space characters (Rust `char::is_whitespace`).
 *
 * @example
 * ```ts
 * isWhitespace(0x20); // true
 * isWhitespace(0xfeff); // false
 * ```
 */
export function isWhitespace(cp: number): boolean {
  if (cp < 0x80) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
  return (
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

function computeClass(cp: number): number {
  if (isWhitespace(cp)) return CLASS_SPACE;
  const ch = String.fromCodePoint(cp);
  if (letterRe.test(ch)) return CLASS_LETTER;
  if (numberRe.test(ch)) return CLASS_NUMBER;
  return CLASS_OTHER;
}

/**
 * The GPT-2 pre-tokenizer class of a code point: letter, number, whitespace or other.
 *
 * @example
 * ```ts
 * charClass('٣'.codePointAt(0)!) === CLASS_NUMBER; // true
 * ```
 */
export function charClass(cp: number): number {
  if (cp < 0x10000) {
    const cached = bmpClass[cp]!;
    if (cached !== 0) return cached - 1;
    const c = computeClass(cp);
    bmpClass[cp] = c + 1;
    return c;
  }
  let c = astralClass.get(cp);
  if (c === undefined) {
    c = computeClass(cp);
    astralClass.set(cp, c);
  }
  return c;
}

/**
 * Rust-regex `\w`, which decides whether a `single_word` added token stands alone.
 *
 * @example
 * ```ts
 * isWordChar(0x5f); // true ('_')
 * ```
 */
export function isWordChar(cp: number): boolean {
  if (cp < 0x80) {
    return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
  }
  return wordRe.test(String.fromCodePoint(cp));
}

/**
 * Code point at UTF-16 index `i` of `s` (a lone surrogate is returned as itself).
 *
 * @example
 * ```ts
 * codePointAt('a😀', 1); // 0x1f600
 * ```
 */
export function codePointAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}

/**
 * Index of the last code point start before UTF-16 index `end` (`end - 1`, or `end - 2` for a pair).
 *
 * @example
 * ```ts
 * previousCodePointStart('a😀', 3); // 1
 * ```
 */
export function previousCodePointStart(s: string, end: number): number {
  const d = s.charCodeAt(end - 1);
  if (d >= 0xdc00 && d <= 0xdfff && end >= 2) {
    const c = s.charCodeAt(end - 2);
    if (c >= 0xd800 && c <= 0xdbff) return end - 2;
  }
  return end - 1;
}

/**
 * Number of code points in `s` (Python's `len`).
 *
 * @example
 * ```ts
 * codePointLength('😀a'); // 2
 * ```
 */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * Maps UTF-16 offsets of `s` to code point offsets (identity when `s` has no surrogate pairs).
 *
 * @example
 * ```ts
 * const toCp = utf16ToCodePointMap('😀a');
 * toCp(2); // 1
 * ```
 */
export function utf16ToCodePointMap(s: string): (unit: number) => number {
  let hasPairs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      hasPairs = true;
      break;
    }
  }
  if (!hasPairs) return (unit) => unit;
  const map = new Int32Array(s.length + 1);
  let cp = 0;
  for (let i = 0; i < s.length; i++) {
    map[i] = cp;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        map[i + 1] = cp;
        i++;
      }
    }
    cp++;
  }
  map[s.length] = cp;
  return (unit) => map[unit] ?? cp;
}
