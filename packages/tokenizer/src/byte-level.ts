/**
 * GPT-2's byte-to-unicode table and UTF-8 helpers.
 *
 * Bytes 33-126, 161-172 and 174-255 map to the code point of the same value; the other 68 bytes
 * (0-32, 127-160, 173), in increasing order, map to U+0100..U+0143. So a space is `Ġ` (U+0120)
 * and a newline `Ċ` (U+010A). Every byte-level symbol is one UTF-16 unit.
 *
 * @example
 * ```ts
 * BYTE_TO_CHAR[0x20]; // 'Ġ'
 * CHAR_TO_BYTE.get('Ċ'.charCodeAt(0)); // 10
 * byteLevelEncode('héllo'); // 'hÃ©llo'
 * ```
 */

/**
 * Byte (0-255) to its byte-level symbol (a one-unit string).
 *
 * @example
 * ```ts
 * BYTE_TO_CHAR[0x0a]; // 'Ċ'
 * ```
 */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();
/** Byte (0-255) to the UTF-16 code unit of its symbol. */
export const BYTE_TO_CODE: Uint16Array = Uint16Array.from(BYTE_TO_CHAR, (c) => c.charCodeAt(0));
/** Symbol code unit back to its byte (undefined for characters outside the alphabet). */
export const CHAR_TO_BYTE: ReadonlyMap<number, number> = new Map(Array.from(BYTE_TO_CODE, (code, byte) => [code, byte]));
/** Dense inverse table over U+0000..U+0143: byte + 1, or 0 when the code is not a symbol. */
const CODE_TO_BYTE_PLUS_ONE = new Uint16Array(0x144);
for (let b = 0; b < 256; b++) CODE_TO_BYTE_PLUS_ONE[BYTE_TO_CODE[b]!] = b + 1;

function buildByteToChar(): string[] {
  const table = new Array<string>(256);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    table[b] = String.fromCharCode(printable ? b : 256 + n++);
  }
  return table;
}

/**
 * The 256 byte-level symbols (`ByteLevel.alphabet()` in Python), sorted by code point.
 *
 * @example
 * ```ts
 * byteLevelAlphabet().length; // 256
 * ```
 */
export function byteLevelAlphabet(): string[] {
  return [...BYTE_TO_CHAR].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
}

/**
 * Byte value of a byte-level symbol code unit, or -1 when the unit is not in the alphabet.
 *
 * @example
 * ```ts
 * byteOfSymbol(0x120); // 32
 * ```
 */
export function byteOfSymbol(code: number): number {
  return code < 0x144 ? CODE_TO_BYTE_PLUS_ONE[code]! - 1 : -1;
}

/**
 * Writes the UTF-8 bytes of `s[start, end)` into `out` (which must hold 3 bytes per unit) and
 * returns the byte count. Lone surrogates become U+FFFD, as `TextEncoder` (and Rust) do.
 *
 * @example
 * ```ts
 * const out = new Uint8Array(16);
 * utf8Encode('é', 0, 1, out); // 2
 * ```
 */
export function utf8Encode(s: string, start: number, end: number, out: Uint8Array): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < end ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          out[n++] = 0xf0 | (cp >> 18);
          out[n++] = 0x80 | ((cp >> 12) & 0x3f);
          out[n++] = 0x80 | ((cp >> 6) & 0x3f);
          out[n++] = 0x80 | (cp & 0x3f);
          i++;
          continue;
        }
        c = 0xfffd;
      }
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

/**
 * Byte-level form of a string: its UTF-8 bytes mapped through {@link BYTE_TO_CHAR}.
 *
 * @example
 * ```ts
 * byteLevelEncode(' 🤗'); // 'ĠðŁ¤Ĺ'
 * ```
 */
export function byteLevelEncode(s: string): string {
  const bytes = new Uint8Array(s.length * 3);
  const n = utf8Encode(s, 0, s.length, bytes);
  let out = '';
  for (let i = 0; i < n; i++) out += BYTE_TO_CHAR[bytes[i]!]!;
  return out;
}
