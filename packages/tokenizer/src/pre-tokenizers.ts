/**
 * Pre-tokenizers: split normalized text into the pieces the model tokenizes independently.
 * Each implements a fast form (`preTokenizeString`, emitting piece ranges, used for ids) and an
 * offset-tracking form (`preTokenize`, on a {@link PreTokenizedString}).
 *
 * Adding one: implement {@link PreTokenizer}, then add a case to `parsePreTokenizer` in
 * `serialization.ts` (see the README).
 *
 * @example
 * ```ts
 * const p = new ByteLevelPreTokenizer({ addPrefixSpace: false });
 * const pieces: string[] = [];
 * p.preTokenizeString('Hello world', (t, s, e) => pieces.push(t.slice(s, e)), false);
 * // ['Hello', 'Ġworld']
 * ```
 */
import { byteLevelEncode } from './byte-level.js';
import { splitGpt2, type Emit } from './gpt2-split.js';
import { byteLevelTransform, type JsonObject } from './normalizers.js';
import { Pattern, type MatchSpan } from './pattern.js';
import { charMatches, splitNormalized, splitSpans, type PreTokenizedString, type SplitBehavior } from './pre-tokenized-string.js';
import { ONIG_WORD_CLASS, WHITESPACE_CLASS, isWhitespace } from './unicode.js';

export type { Emit } from './gpt2-split.js';

/** A pre-tokenizer step. */
export interface PreTokenizer {
  /** The `type` written to tokenizer.json. */
  readonly type: string;
  /**
   * Splits `text`, calling `emit` per non-empty piece. `rawBytes` asks a final ByteLevel step to
   * leave the byte mapping to the model (see {@link PreTokenizer.endsWithByteLevel}).
   */
  preTokenizeString(text: string, emit: Emit, rawBytes: boolean): void;
  /** Splits the untokenized pieces in place, tracking offsets. */
  preTokenize(pts: PreTokenizedString): void;
  /** True when the last step is ByteLevel, so the model may map bytes itself. */
  endsWithByteLevel(): boolean;
  /**
   * True when the step needs offsets to decide (Metaspace `prepend_scheme: "first"`), so ids
   * must come from the offset-tracking path.
   */
  readonly needsOffsets?: boolean;
  /** The tokenizer.json object. */
  toJSON(): JsonObject;
}

/** Options of {@link ByteLevelPreTokenizer}. */
export interface ByteLevelOptions {
  /** Add a space before the first word when the piece does not start with one (default true). */
  addPrefixSpace?: boolean;
  /** Only used by the ByteLevel post-processor; kept for the JSON (default true). */
  trimOffsets?: boolean;
  /** Split with the GPT-2 pattern first (default true). */
  useRegex?: boolean;
}

/**
 * GPT-2's byte-level pre-tokenizer: optional prefix space, the GPT-2 split pattern, then every
 * UTF-8 byte mapped to its byte-level symbol.
 *
 * @example
 * ```ts
 * new ByteLevelPreTokenizer({ addPrefixSpace: false, useRegex: true });
 * ```
 */
export class ByteLevelPreTokenizer implements PreTokenizer {
  readonly type = 'ByteLevel';
  readonly addPrefixSpace: boolean;
  readonly trimOffsets: boolean;
  readonly useRegex: boolean;

  constructor(options: ByteLevelOptions = {}) {
    this.addPrefixSpace = options.addPrefixSpace ?? true;
    this.trimOffsets = options.trimOffsets ?? true;
    this.useRegex = options.useRegex ?? true;
  }

  preTokenizeString(text: string, emit: Emit, rawBytes: boolean): void {
    if (this.addPrefixSpace && text.charCodeAt(0) !== 0x20) text = ' ' + text;
    const out: Emit = rawBytes
      ? emit
      : (t, s, e) => {
          const mapped = byteLevelEncode(t.slice(s, e));
          emit(mapped, 0, mapped.length);
        };
    if (this.useRegex) splitGpt2(text, out);
    else out(text, 0, text.length);
  }

  preTokenize(pts: PreTokenizedString): void {
    pts.split((ns) => {
      if (this.addPrefixSpace && ns.normalized.charCodeAt(0) !== 0x20) ns.prepend(' ');
      if (!this.useRegex) return [ns];
      const spans: MatchSpan[] = [];
      splitGpt2(ns.normalized, (_, s, e) => spans.push([s, e, true]));
      return splitNormalized(ns, spans, 'Isolated');
    });
    pts.normalize(byteLevelTransform);
  }

  endsWithByteLevel(): boolean {
    return true;
  }

  toJSON(): JsonObject {
    return { type: this.type, add_prefix_space: this.addPrefixSpace, trim_offsets: this.trimOffsets, use_regex: this.useRegex };
  }
}

/** Base for pre-tokenizers defined by match spans and a split behaviour. */
abstract class SpanPreTokenizer implements PreTokenizer {
  abstract readonly type: string;
  abstract readonly behavior: SplitBehavior;
  /** Match spans covering `text` (already inverted where the step inverts). */
  protected abstract spans(text: string): MatchSpan[];
  abstract toJSON(): JsonObject;

  preTokenizeString(text: string, emit: Emit): void {
    for (const [s, e] of splitSpans(this.spans(text), this.behavior)) if (e > s) emit(text, s, e);
  }

  preTokenize(pts: PreTokenizedString): void {
    pts.split((ns) => splitNormalized(ns, this.spans(ns.normalized), this.behavior));
  }

  endsWithByteLevel(): boolean {
    return false;
  }
}

/**
 * Splits on a string or regex pattern with a behaviour; `invert` splits on the non-matches.
 *
 * @example
 * ```ts
 * new SplitPreTokenizer(Pattern.regex('\\p{N}{1,3}'), 'Isolated', false);
 * ```
 */
export class SplitPreTokenizer extends SpanPreTokenizer {
  readonly type = 'Split';
  constructor(
    readonly pattern: Pattern,
    readonly behavior: SplitBehavior,
    readonly invert: boolean,
  ) {
    super();
  }

  protected spans(text: string): MatchSpan[] {
    const spans = this.pattern.findMatches(text);
    if (this.invert) for (const span of spans) span[2] = !span[2];
    return spans;
  }

  override preTokenizeString(text: string, emit: Emit): void {
    if (this.behavior === 'Isolated' && text.length > 0) {
      // Every span is kept: emit straight from the matcher.
      let previous = 0;
      this.pattern.forEachMatch(text, (s, e) => {
        if (previous < s) emit(text, previous, s);
        if (e > s) emit(text, s, e);
        previous = e;
      });
      if (previous < text.length) emit(text, previous, text.length);
      return;
    }
    super.preTokenizeString(text, emit);
  }

  toJSON(): JsonObject {
    return { type: this.type, pattern: this.pattern.toJSON(), behavior: this.behavior, invert: this.invert };
  }
}

const WHITESPACE_RE = new RegExp(`[${ONIG_WORD_CLASS}]+|[^${ONIG_WORD_CLASS}${WHITESPACE_CLASS}]+`, 'gu');

/**
 * Splits into runs of word characters and runs of punctuation, dropping whitespace
 * (`\w+|[^\w\s]+`).
 *
 * @example
 * ```ts
 * new WhitespacePreTokenizer(); // 'Hey, you!' -> 'Hey' ',' 'you' '!'
 * ```
 */
export class WhitespacePreTokenizer extends SpanPreTokenizer {
  readonly type = 'Whitespace';
  readonly behavior = 'Removed';
  private readonly pattern = Pattern.regex('\\w+|[^\\w\\s]+');

  protected spans(text: string): MatchSpan[] {
    const spans = this.pattern.findMatches(text);
    for (const span of spans) span[2] = !span[2];
    return spans;
  }

  override preTokenizeString(text: string, emit: Emit): void {
    WHITESPACE_RE.lastIndex = 0;
    for (let m = WHITESPACE_RE.exec(text); m !== null; m = WHITESPACE_RE.exec(text)) {
      emit(text, m.index, m.index + m[0].length);
    }
  }

  toJSON(): JsonObject {
    return { type: this.type };
  }
}

/**
 * Splits on White_Space, dropping it.
 *
 * @example
 * ```ts
 * new WhitespaceSplitPreTokenizer(); // 'a  b' -> 'a' 'b'
 * ```
 */
export class WhitespaceSplitPreTokenizer extends SpanPreTokenizer {
  readonly type = 'WhitespaceSplit';
  readonly behavior = 'Removed';

  protected spans(text: string): MatchSpan[] {
    return charMatches(text, isWhitespace);
  }

  toJSON(): JsonObject {
    return { type: this.type };
  }
}

/**
 * Splits digits (`\p{N}`) from the rest: each digit alone, or runs of digits.
 *
 * @example
 * ```ts
 * new DigitsPreTokenizer(true); // 'a123' -> 'a' '1' '2' '3'
 * ```
 */
export class DigitsPreTokenizer extends SpanPreTokenizer {
  readonly type = 'Digits';
  readonly behavior: SplitBehavior;
  constructor(readonly individualDigits: boolean) {
    super();
    this.behavior = individualDigits ? 'Isolated' : 'Contiguous';
  }

  protected spans(text: string): MatchSpan[] {
    return charMatches(text, isNumeric);
  }

  toJSON(): JsonObject {
    return { type: this.type, individual_digits: this.individualDigits };
  }
}

/**
 * Splits on punctuation (ASCII punctuation or `\p{P}`), each mark a match.
 *
 * @example
 * ```ts
 * new PunctuationPreTokenizer('Isolated'); // 'a,b' -> 'a' ',' 'b'
 * ```
 */
export class PunctuationPreTokenizer extends SpanPreTokenizer {
  readonly type = 'Punctuation';
  constructor(readonly behavior: SplitBehavior) {
    super();
  }

  protected spans(text: string): MatchSpan[] {
    return charMatches(text, isPunctuation);
  }

  toJSON(): JsonObject {
    return { type: this.type, behavior: this.behavior };
  }
}

/**
 * Splits on one delimiter character, dropping it.
 *
 * @example
 * ```ts
 * new CharDelimiterSplitPreTokenizer('|'); // 'a|b' -> 'a' 'b'
 * ```
 */
export class CharDelimiterSplitPreTokenizer extends SpanPreTokenizer {
  readonly type = 'CharDelimiterSplit';
  readonly behavior = 'Removed';
  private readonly code: number;
  constructor(readonly delimiter: string) {
    super();
    this.code = delimiter.codePointAt(0) ?? -1;
  }

  protected spans(text: string): MatchSpan[] {
    return charMatches(text, (cp) => cp === this.code);
  }

  toJSON(): JsonObject {
    return { type: this.type, delimiter: this.delimiter };
  }
}

/**
 * BERT's pre-tokenizer: split on whitespace (dropped), then isolate punctuation.
 *
 * @example
 * ```ts
 * new BertPreTokenizer(); // 'Hi, you' -> 'Hi' ',' 'you'
 * ```
 */
export class BertPreTokenizer implements PreTokenizer {
  readonly type = 'BertPreTokenizer';
  private readonly whitespace = new WhitespaceSplitPreTokenizer();
  private readonly punctuation = new PunctuationPreTokenizer('Isolated');

  preTokenizeString(text: string, emit: Emit): void {
    this.whitespace.preTokenizeString(text, (t, s, e) => this.punctuation.preTokenizeString(t.slice(s, e), emit));
  }

  preTokenize(pts: PreTokenizedString): void {
    this.whitespace.preTokenize(pts);
    this.punctuation.preTokenize(pts);
  }

  endsWithByteLevel(): boolean {
    return false;
  }

  toJSON(): JsonObject {
    return { type: this.type };
  }
}

/**
 * Applies pre-tokenizers in order, each to every piece of the previous one.
 *
 * @example
 * ```ts
 * new SequencePreTokenizer([new DigitsPreTokenizer(true), new ByteLevelPreTokenizer({ addPrefixSpace: false })]);
 * ```
 */
export class SequencePreTokenizer implements PreTokenizer {
  readonly type = 'Sequence';
  readonly needsOffsets: boolean;
  constructor(readonly preTokenizers: readonly PreTokenizer[]) {
    this.needsOffsets = preTokenizers.some((p) => p.needsOffsets === true);
  }

  preTokenizeString(text: string, emit: Emit, rawBytes: boolean): void {
    const steps = this.preTokenizers;
    if (steps.length === 0) {
      if (text.length > 0) emit(text, 0, text.length);
      return;
    }
    const run = (index: number, piece: string): void => {
      const step = steps[index]!;
      const last = index === steps.length - 1;
      step.preTokenizeString(piece, last ? emit : (t, s, e) => run(index + 1, t.slice(s, e)), last && rawBytes);
    };
    run(0, text);
  }

  preTokenize(pts: PreTokenizedString): void {
    for (const p of this.preTokenizers) p.preTokenize(pts);
  }

  endsWithByteLevel(): boolean {
    const last = this.preTokenizers[this.preTokenizers.length - 1];
    return last !== undefined && last.endsWithByteLevel();
  }

  toJSON(): JsonObject {
    return { type: this.type, pretokenizers: this.preTokenizers.map((p) => p.toJSON()) };
  }
}

/** When Metaspace adds the replacement character in front of a piece. */
export type PrependScheme = 'always' | 'first' | 'never';

/**
 * SentencePiece-style pre-tokenizer: spaces become the replacement character (`▁`), which is
 * prepended to the piece (`always`, or `first` for the piece at offset 0) and, with `split`,
 * starts each new piece.
 *
 * @example
 * ```ts
 * new MetaspacePreTokenizer('▁', 'always', true); // 'Hey you' -> '▁Hey' '▁you'
 * ```
 */
export class MetaspacePreTokenizer implements PreTokenizer {
  readonly type = 'Metaspace';
  readonly needsOffsets: boolean;
  private readonly code: number;
  constructor(
    readonly replacement: string,
    readonly prependScheme: PrependScheme,
    readonly split: boolean,
  ) {
    this.needsOffsets = prependScheme === 'first';
    this.code = replacement.codePointAt(0) ?? -1;
  }

  preTokenizeString(text: string, emit: Emit): void {
    text = text.replaceAll(' ', this.replacement);
    if (this.prependScheme !== 'never' && !text.startsWith(this.replacement) && text.length > 0) text = this.replacement + text;
    if (!this.split) {
      if (text.length > 0) emit(text, 0, text.length);
      return;
    }
    for (const [s, e] of splitSpans(charMatches(text, (cp) => cp === this.code), 'MergedWithNext')) if (e > s) emit(text, s, e);
  }

  preTokenize(pts: PreTokenizedString): void {
    pts.split((ns) => {
      const spaces: [number, number][] = [];
      for (let i = ns.normalized.indexOf(' '); i >= 0; i = ns.normalized.indexOf(' ', i + 1)) spaces.push([i, i + 1]);
      ns.replaceSpans(spaces, this.replacement);
      const prepend =
        this.prependScheme === 'always' || (this.prependScheme === 'first' && ns.offsetsOriginal()[0] === 0);
      if (prepend && !ns.normalized.startsWith(this.replacement)) ns.prepend(this.replacement);
      if (!this.split) return [ns];
      return splitNormalized(ns, charMatches(ns.normalized, (cp) => cp === this.code), 'MergedWithNext');
    });
  }

  endsWithByteLevel(): boolean {
    return false;
  }

  toJSON(): JsonObject {
    return { type: this.type, replacement: this.replacement, prepend_scheme: this.prependScheme, split: this.split };
  }
}

const numericRe = /^\p{N}$/u;
const punctuationRe = /^\p{P}$/u;

function isNumeric(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return numericRe.test(String.fromCodePoint(cp));
}

function isPunctuation(cp: number): boolean {
  if (cp < 0x80) {
    return (cp >= 0x21 && cp <= 0x2f) || (cp >= 0x3a && cp <= 0x40) || (cp >= 0x5b && cp <= 0x60) || (cp >= 0x7b && cp <= 0x7e);
  }
  return punctuationRe.test(String.fromCodePoint(cp));
}
