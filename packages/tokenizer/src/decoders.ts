/**
 * Decoders: turn token strings back into text. Each is a Hugging Face `decode_chain` step
 * (tokens in, tokens out); `decode` joins the final tokens.
 *
 * @example
 * ```ts
 * new ByteLevelDecoder().decodeChain(['Hello', 'Ġw', 'orld']); // ['Hello world']
 * ```
 */
import { byteOfSymbol } from './byte-level.js';
import type { JsonObject } from './normalizers.js';
import type { Pattern } from './pattern.js';

/** A decoder step. */
export interface Decoder {
  /** The `type` written to tokenizer.json. */
  readonly type: string;
  /** Hugging Face `decode_chain`. */
  decodeChain(tokens: string[]): string[];
  /** The tokenizer.json object. */
  toJSON(): JsonObject;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const textEncoder = new TextEncoder();

/**
 * Appends the bytes of one token as the ByteLevel decoder reads it: each symbol's byte, or the
 * token's own UTF-8 when any character is outside the byte-level alphabet (added tokens like
 * `"  "`).
 */
export function tokenBytes(token: string, out: number[]): void {
  const mark = out.length;
  for (let i = 0; i < token.length; i++) {
    const b = byteOfSymbol(token.charCodeAt(i));
    if (b < 0) {
      out.length = mark;
      for (const byte of textEncoder.encode(token)) out.push(byte);
      return;
    }
    out.push(b);
  }
}

/**
 * Maps byte-level symbols back to bytes and decodes UTF-8 (invalid sequences become U+FFFD).
 *
 * @example
 * ```ts
 * new ByteLevelDecoder().decodeChain(['ĠðŁ', '¤', 'Ĺ']); // [' 🤗']
 * ```
 */
export class ByteLevelDecoder implements Decoder {
  readonly type = 'ByteLevel';
  constructor(readonly options: { addPrefixSpace?: boolean; trimOffsets?: boolean; useRegex?: boolean } = {}) {}

  decodeChain(tokens: string[]): string[] {
    const bytes: number[] = [];
    for (const token of tokens) tokenBytes(token, bytes);
    return [utf8.decode(Uint8Array.from(bytes))];
  }

  toJSON(): JsonObject {
    return {
      type: this.type,
      add_prefix_space: this.options.addPrefixSpace ?? true,
      trim_offsets: this.options.trimOffsets ?? true,
      use_regex: this.options.useRegex ?? true,
    };
  }
}

/**
 * Replaces a pattern in every token (`▁` to space for SentencePiece vocabularies).
 *
 * @example
 * ```ts
 * new ReplaceDecoder(Pattern.string('▁'), ' ').decodeChain(['▁Hey']); // [' Hey']
 * ```
 */
export class ReplaceDecoder implements Decoder {
  readonly type = 'Replace';
  constructor(
    readonly pattern: Pattern,
    readonly content: string,
  ) {}

  decodeChain(tokens: string[]): string[] {
    return tokens.map((token) => {
      let out = '';
      for (const [s, e, isMatch] of this.pattern.findMatches(token)) out += isMatch ? this.content : token.slice(s, e);
      return out;
    });
  }

  toJSON(): JsonObject {
    return { type: this.type, pattern: this.pattern.toJSON(), content: this.content };
  }
}

/**
 * Turns runs of `<0xAB>` tokens into text (one U+FFFD per byte when the run is not valid UTF-8).
 *
 * @example
 * ```ts
 * new ByteFallbackDecoder().decodeChain(['<0xC3>', '<0xA9>', 'x']); // ['é', 'x']
 * ```
 */
export class ByteFallbackDecoder implements Decoder {
  readonly type = 'ByteFallback';

  decodeChain(tokens: string[]): string[] {
    const out: string[] = [];
    let pending: number[] = [];
    const flush = (): void => {
      if (pending.length === 0) return;
      try {
        out.push(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(pending)));
      } catch {
        for (let i = 0; i < pending.length; i++) out.push('\ufffd');
      }
      pending = [];
    };
    for (const token of tokens) {
      const m = token.length === 6 ? /^<0x([0-9A-Fa-f]{2})>$/.exec(token) : null;
      if (m) {
        pending.push(parseInt(m[1]!, 16));
      } else {
        flush();
        out.push(token);
      }
    }
    flush();
    return out;
  }

  toJSON(): JsonObject {
    return { type: this.type };
  }
}

/**
 * Joins all tokens into one.
 *
 * @example
 * ```ts
 * new FuseDecoder().decodeChain(['a', 'b']); // ['ab']
 * ```
 */
export class FuseDecoder implements Decoder {
  readonly type = 'Fuse';

  decodeChain(tokens: string[]): string[] {
    return [tokens.join('')];
  }

  toJSON(): JsonObject {
    return { type: this.type };
  }
}

/**
 * Removes up to `start` leading and `stop` trailing `content` characters from every token.
 *
 * @example
 * ```ts
 * new StripDecoder(' ', 1, 0).decodeChain([' Hey']); // ['Hey']
 * ```
 */
export class StripDecoder implements Decoder {
  readonly type = 'Strip';
  constructor(
    readonly content: string,
    readonly start: number,
    readonly stop: number,
  ) {}

  decodeChain(tokens: string[]): string[] {
    return tokens.map((token) => {
      const chars = Array.from(token);
      let startCut = 0;
      for (let i = 0; i < Math.min(this.start, chars.length); i++) {
        if (chars[i] !== this.content) break;
        startCut = i + 1;
      }
      let stopCut = chars.length;
      for (let i = 0; i < this.stop; i++) {
        const index = chars.length - i - 1;
        if (index < 0 || chars[index] !== this.content) break;
        stopCut = index;
      }
      return chars.slice(startCut, Math.max(startCut, stopCut)).join('');
    });
  }

  toJSON(): JsonObject {
    return { type: this.type, content: this.content, start: this.start, stop: this.stop };
  }
}

/**
 * SentencePiece's `▁` back to spaces; the first token loses its replacement characters unless
 * the prepend scheme is `never`.
 *
 * @example
 * ```ts
 * new MetaspaceDecoder('▁', 'always', true).decodeChain(['▁Hey', '▁you']); // ['Hey', ' you']
 * ```
 */
export class MetaspaceDecoder implements Decoder {
  readonly type = 'Metaspace';
  constructor(
    readonly replacement: string,
    readonly prependScheme: 'always' | 'first' | 'never',
    readonly split: boolean,
  ) {}

  decodeChain(tokens: string[]): string[] {
    return tokens.map((token, i) => {
      let out = '';
      for (const c of token) {
        if (c === this.replacement) {
          if (!(i === 0 && this.prependScheme !== 'never')) out += ' ';
        } else {
          out += c;
        }
      }
      return out;
    });
  }

  toJSON(): JsonObject {
    return { type: this.type, replacement: this.replacement, prepend_scheme: this.prependScheme, split: this.split };
  }
}

/**
 * Replaces the end-of-word suffix by a space (none after the last token).
 *
 * @example
 * ```ts
 * new BpeDecoder('</w>').decodeChain(['hi</w>', 'you</w>']); // ['hi ', 'you']
 * ```
 */
export class BpeDecoder implements Decoder {
  readonly type = 'BPEDecoder';
  constructor(readonly suffix: string) {}

  decodeChain(tokens: string[]): string[] {
    return tokens.map((token, i) => token.split(this.suffix).join(i === tokens.length - 1 ? '' : ' '));
  }

  toJSON(): JsonObject {
    return { type: this.type, suffix: this.suffix };
  }
}

/**
 * Applies decoders in order.
 *
 * @example
 * ```ts
 * new SequenceDecoder([new ReplaceDecoder(Pattern.string('▁'), ' '), new ByteFallbackDecoder(), new FuseDecoder()]);
 * ```
 */
export class SequenceDecoder implements Decoder {
  readonly type = 'Sequence';
  constructor(readonly decoders: readonly Decoder[]) {}

  decodeChain(tokens: string[]): string[] {
    for (const d of this.decoders) tokens = d.decodeChain(tokens);
    return tokens;
  }

  toJSON(): JsonObject {
    return { type: this.type, decoders: this.decoders.map((d) => d.toJSON()) };
  }
}
