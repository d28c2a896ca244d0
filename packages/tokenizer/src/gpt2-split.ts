/**
 * A hand-written matcher for GPT-2's pre-tokenizer pattern, the regex of Hugging Face's
 * `ByteLevel(use_regex=True)`:
 *
 * ```
 * 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * ```
 *
 * with `\s` the White_Space set (Oniguruma's). It returns exactly the regex's matches, several
 * times faster: ASCII is classified by table and nothing is allocated per character. The
 * equivalence is tested against {@link GPT2_PATTERN} on random text.
 *
 * @example
 * ```ts
 * const pieces: string[] = [];
 * splitGpt2("Hello  world's", (t, s, e) => pieces.push(t.slice(s, e)));
 * // ['Hello', ' ', ' world', "'s"]
 * ```
 */
import { charClass, CLASS_LETTER, CLASS_NUMBER, CLASS_OTHER, CLASS_SPACE, WHITESPACE_CLASS } from './unicode.js';

/** Receives one piece: `text.slice(start, end)`. */
export type Emit = (text: string, start: number, end: number) => void;

/**
 * The same pattern as a JS regular expression (the reference the scanner is tested against).
 *
 * @example
 * ```ts
 * [..."it's".matchAll(GPT2_PATTERN)].map((m) => m[0]); // ['it', "'s"]
 * ```
 */
export const GPT2_PATTERN = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WHITESPACE_CLASS}\\p{L}\\p{N}]+|[${WHITESPACE_CLASS}]+(?![^${WHITESPACE_CLASS}])|[${WHITESPACE_CLASS}]+`,
  'gu',
);

const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_CLASS[c] = charClass(c);

function classAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 128) return ASCII_CLASS[c]!;
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return charClass(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
  }
  if (c >= 0xd800 && c <= 0xdfff) return CLASS_OTHER;
  return charClass(c);
}

function sizeAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/**
 * Calls `emit(text, start, end)` for every match of the GPT-2 pattern in `text`, in order.
 * The matches cover the whole text.
 *
 * @example
 * ```ts
 * splitGpt2('a\n\nb', (t, s, e) => console.log(JSON.stringify(t.slice(s, e)))); // "a" "\n" "\n" "b"
 * ```
 */
export function splitGpt2(text: string, emit: Emit): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    // 's 't 're 've 'm 'll 'd
    if (c === 0x27 && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d === 0x73 || d === 0x74 || d === 0x6d || d === 0x64) {
        emit(text, i, i + 2);
        i += 2;
        continue;
      }
      if (i + 2 < n) {
        const e = text.charCodeAt(i + 2);
        if ((e === 0x65 && (d === 0x72 || d === 0x76)) || (d === 0x6c && e === 0x6c)) {
          emit(text, i, i + 3);
          i += 3;
          continue;
        }
      }
    }
    let j = i;
    let cls = classAt(text, i);
    if (c === 0x20 && i + 1 < n) {
      const next = classAt(text, i + 1);
      if (next !== CLASS_SPACE) {
        j = i + 1;
        cls = next;
      }
    }
    if (cls !== CLASS_SPACE) {
      // ` ?\p{L}+`, ` ?\p{N}+` or ` ?[^\s\p{L}\p{N}]+`: one run of the class.
      if (cls === CLASS_LETTER || cls === CLASS_NUMBER || cls === CLASS_OTHER) {
        j += sizeAt(text, j);
        while (j < n) {
          const k = text.charCodeAt(j);
          if (k < 128) {
            if (ASCII_CLASS[k] !== cls) break;
            j++;
          } else {
            if (classAt(text, j) !== cls) break;
            j += sizeAt(text, j);
          }
        }
        emit(text, i, j);
        i = j;
        continue;
      }
    }
    // `\s+(?!\S)` then `\s+`: a whitespace run leaves its last character to the next piece
    // unless it ends the text. All White_Space characters are one UTF-16 unit.
    let k = i + 1;
    while (k < n && classAt(text, k) === CLASS_SPACE) k++;
    const end = k === n || k - i === 1 ? k : k - 1;
    emit(text, i, end);
    i = end;
  }
}
