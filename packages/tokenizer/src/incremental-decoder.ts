/**
 * Streaming decode for generation: feed ids one at a time, get back only complete text.
 * A byte-level token can end in the middle of a UTF-8 character (🤗 is `ĠðŁ`, `¤`, `Ĺ` in
 * GPT-2); those bytes are held until the character completes.
 *
 * With a plain ByteLevel decoder the bytes go through a streaming UTF-8 decoder (so text that
 * really contains U+FFFD still streams). With any other decoder the tokenizer's own `decode`
 * is re-run on a short window, as Hugging Face's `DecodeStream` does.
 *
 * @example
 * ```ts
 * const stream = new IncrementalDecoder(tokenizer);
 * let text = '';
 * for (const id of generatedIds) text += stream.push(id);
 * text += stream.flush();
 * ```
 */
import { ByteLevelDecoder, tokenBytes } from './decoders.js';
import type { Tokenizer } from './tokenizer.js';

/** Options of {@link IncrementalDecoder}. */
export interface IncrementalDecoderOptions {
  /** Drop special added tokens (default false). */
  skipSpecialTokens?: boolean;
}

/**
 * Decodes ids one at a time, returning only complete text.
 *
 * @example
 * ```ts
 * const stream = new IncrementalDecoder(tokenizer, { skipSpecialTokens: true });
 * stream.push(id); // '' until a character is complete
 * ```
 */
export class IncrementalDecoder {
  private readonly skipSpecialTokens: boolean;
  private readonly byteMode: boolean;
  private utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  // Window state of the generic mode.
  private ids: number[] = [];
  private prefix = '';
  private prefixIndex = 0;

  constructor(
    private readonly tokenizer: Tokenizer,
    options: IncrementalDecoderOptions = {},
  ) {
    this.skipSpecialTokens = options.skipSpecialTokens ?? false;
    this.byteMode = tokenizer.decoder instanceof ByteLevelDecoder;
  }

  /**
   * Adds one id and returns the text it completes ('' while a character is incomplete).
   *
   * @example
   * ```ts
   * stream.push(12092); // 'Hello'
   * ```
   */
  push(id: number): string {
    if (this.byteMode) {
      const [token] = this.tokenizer.idsToTokens([id], this.skipSpecialTokens);
      if (token === undefined) return '';
      const bytes: number[] = [];
      tokenBytes(token, bytes);
      return this.utf8.decode(Uint8Array.from(bytes), { stream: true });
    }
    this.ids.push(id);
    const text = this.tokenizer.decode(this.ids, { skipSpecialTokens: this.skipSpecialTokens });
    if (text.length <= this.prefix.length || text.endsWith('\ufffd')) return '';
    const added = text.startsWith(this.prefix) ? text.slice(this.prefix.length) : text;
    const nextPrefixIndex = this.ids.length - this.prefixIndex;
    this.ids = this.ids.slice(this.prefixIndex);
    this.prefix = this.tokenizer.decode(this.ids, { skipSpecialTokens: this.skipSpecialTokens });
    this.prefixIndex = nextPrefixIndex;
    return added;
  }

  /**
   * Returns whatever is still held (incomplete bytes become U+FFFD) and resets the stream.
   *
   * @example
   * ```ts
   * stream.flush(); // '' when every character was complete
   * ```
   */
  flush(): string {
    let rest: string;
    if (this.byteMode) {
      rest = this.utf8.decode();
    } else {
      const text = this.tokenizer.decode(this.ids, { skipSpecialTokens: this.skipSpecialTokens });
      rest = text.length > this.prefix.length ? text.slice(this.prefix.length) : '';
    }
    this.reset();
    return rest;
  }

  /** Forgets held bytes and context. */
  reset(): void {
    this.utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
    this.ids = [];
    this.prefix = '';
    this.prefixIndex = 0;
  }
}
