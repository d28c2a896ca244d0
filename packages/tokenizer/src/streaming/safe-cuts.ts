/**
 * Where a tokenizer's input can be cut into chunks that encode, one by one, to exactly the ids
 * of the whole text: before a single space (or a newline, when no ByteLevel step adds a prefix
 * space) that has a non-whitespace character on each side.
 *
 * Why that is safe: every supported pre-tokenizer ends a piece there and starts the next one at
 * the space whatever follows (GPT-2's pattern attaches a space to the run after it, and no
 * alternative crosses from a non-space into a space); the supported normalizers (Unicode forms,
 * Lowercase, StripAccents) act within a character and its combining marks, and a space is a
 * starter; an added token matched across the cut, or one with `rstrip` ending at it, makes the
 * cut unsafe and the next candidate is taken. Other components (a Split regex, Metaspace,
 * Replace, Prepend, Strip, ByteLevel without its regex) can change the pieces next to a cut, and
 * truncation and padding act on whole sequences, so they are refused.
 *
 * Used by the streaming encoder and by the worker pool to split one long text between threads.
 *
 * @example
 * ```ts
 * const cuts = new SafeCuts(gpt2);
 * cuts.lastCut('Hello world, hello world', 0, 20); // 12: 'Hello world,' | ' hello world'
 * ```
 */
import { TokenizerInputError } from '../errors.js';
import { SequenceNormalizer, type Normalizer } from '../normalizers.js';
import {
  BertPreTokenizer,
  ByteLevelPreTokenizer,
  CharDelimiterSplitPreTokenizer,
  DigitsPreTokenizer,
  MetaspacePreTokenizer,
  PunctuationPreTokenizer,
  SequencePreTokenizer,
  SplitPreTokenizer,
  WhitespacePreTokenizer,
  WhitespaceSplitPreTokenizer,
  type PreTokenizer,
} from '../pre-tokenizers.js';
import type { Tokenizer } from '../tokenizer.js';
import { isWhitespace } from '../unicode.js';

const NORMALIZERS = new Set(['NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'StripAccents']);

/**
 * Split regexes known to end a piece before a space between non-whitespace characters, whatever
 * follows (GPT-2's; GPT-4's cl100k, as Llama 3 uses it; Qwen2's). cl100k's `[\r\n]*` lets a
 * piece run on over a newline, so with these only spaces are cuts.
 */
const SPLIT_PATTERNS = new Set([
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
]);

function refuse(component: string, why: string): never {
  throw new TokenizerInputError('encode in chunks', `cannot cut this tokenizer's input into chunks: ${component} ${why}`, 'encode the whole text with encode(), or use a tokenizer whose pre-tokenizer is ByteLevel with its regex');
}

function checkNormalizer(normalizer: Normalizer | null, path: string): void {
  if (normalizer === null) return;
  if (normalizer instanceof SequenceNormalizer) {
    normalizer.normalizers.forEach((n, i) => checkNormalizer(n, `${path}.normalizers[${i}]`));
  } else if (!NORMALIZERS.has(normalizer.type)) {
    refuse(`${path} (${normalizer.type})`, 'may act across the cut');
  }
}

function flatten(preTokenizer: PreTokenizer, path: string, out: [PreTokenizer, string][]): [PreTokenizer, string][] {
  if (preTokenizer instanceof SequencePreTokenizer) preTokenizer.preTokenizers.forEach((step, i) => flatten(step, `${path}.pretokenizers[${i}]`, out));
  else out.push([preTokenizer, path]);
  return out;
}

/**
 * Checks that the pre-tokenizer always ends a piece at a cut: some step that splits at
 * whitespace (ByteLevel with its regex, Whitespace, WhitespaceSplit, Bert, an Isolated Split with
 * one of {@link SPLIT_PATTERNS}) runs on the text,
 * preceded only by steps whose splits never reach across a space (Digits, Punctuation,
 * CharDelimiterSplit). Steps after it work within pieces, so any may follow, except Metaspace
 * `first`, which looks at the offset in the whole text. Returns whether a newline may be a cut
 * (not when the splitting step is ByteLevel adding a prefix space, which it adds to the text's
 * start only).
 */
function checkPreTokenizer(preTokenizer: PreTokenizer, path: string): boolean {
  let split = false;
  let newline = true;
  for (const [step, at] of flatten(preTokenizer, path, [])) {
    if (split) {
      if (step instanceof MetaspacePreTokenizer && step.prependScheme === 'first') refuse(`${at} (Metaspace, prepend_scheme first)`, 'treats the start of the text differently');
    } else if (step instanceof ByteLevelPreTokenizer) {
      if (!step.useRegex) refuse(`${at} (ByteLevel, use_regex false)`, 'maps the whole text as one piece before anything splits it');
      split = true;
      newline = !step.addPrefixSpace;
    } else if (step instanceof SplitPreTokenizer && step.pattern.kind === 'Regex' && SPLIT_PATTERNS.has(step.pattern.source) && step.behavior === 'Isolated' && !step.invert) {
      split = true;
      newline = false;
    } else if (step instanceof WhitespacePreTokenizer || step instanceof WhitespaceSplitPreTokenizer || step instanceof BertPreTokenizer) {
      split = true;
    } else if (!(step instanceof DigitsPreTokenizer || step instanceof PunctuationPreTokenizer || step instanceof CharDelimiterSplitPreTokenizer)) {
      refuse(`${at} (${step.type})`, 'may split differently next to a cut');
    }
  }
  if (!split) refuse(path, 'has no step that splits at whitespace');
  return newline;
}

/**
 * Finds safe cut positions in a tokenizer's input; the constructor throws a
 * `TokenizerInputError` for pipelines it cannot cut.
 *
 * @example
 * ```ts
 * const parts = new SafeCuts(tokenizer).split(book, 65_536);
 * parts.flatMap((part) => tokenizer.encode(part, { addSpecialTokens: false }).ids); // = encode(book).ids
 * ```
 */
export class SafeCuts {
  private readonly newline: boolean;
  /** Added tokens a cut must not fall into: `rstrip` ones, and ones with whitespace after a non-whitespace character. */
  private readonly sticky: { content: string; rstrip: boolean; normalized: boolean }[];
  /** Units to keep after a cut candidate so that look-arounds see enough text. */
  readonly margin: number;

  constructor(private readonly tokenizer: Tokenizer) {
    if (tokenizer.truncation || tokenizer.padding) refuse('truncation/padding', 'would apply to every chunk');
    checkNormalizer(tokenizer.normalizer, 'normalizer');
    if (tokenizer.preTokenizer === null) refuse('pre_tokenizer (none)', 'leaves the whole text one piece');
    this.newline = checkPreTokenizer(tokenizer.preTokenizer, 'pre_tokenizer');
    this.sticky = tokenizer.addedVocabulary.tokens
      .filter((t) => t.rstrip || /\S\s/u.test(t.content))
      .map((t) => ({ content: t.content, rstrip: t.rstrip, normalized: t.normalized }));
    this.margin = 2 + this.sticky.reduce((m, t) => Math.max(m, t.content.length), 0);
  }

  /** The last safe cut in `text(from, to]`, or -1. The chunk before it is `text[.., cut)`. */
  lastCut(text: string, from: number, to: number): number {
    for (let p = Math.min(to, text.length - this.margin); p > from; p--) if (this.isCut(text, p)) return p;
    return -1;
  }

  /** The first safe cut after `from`, or -1. */
  nextCut(text: string, from: number): number {
    const end = text.length - this.margin;
    for (let p = Math.max(from + 1, 1); p <= end; p++) if (this.isCut(text, p)) return p;
    return -1;
  }

  private isCut(text: string, p: number): boolean {
    const c = text.charCodeAt(p);
    if (c !== 0x20 && !(c === 0x0a && this.newline)) return false;
    if (isWhitespace(text.charCodeAt(p - 1)) || isWhitespace(text.charCodeAt(p + 1))) return false;
    return this.sticky.length === 0 || this.clear(text, p);
  }

  /**
   * Cuts `text` at safe places into parts of about `size` units (a part is longer where no
   * safe cut is near). Encoding the parts one by one gives the ids of the whole.
   */
  split(text: string, size: number): string[] {
    const parts: string[] = [];
    let start = 0;
    while (text.length - start > size + this.margin) {
      let cut = this.lastCut(text, start, start + size);
      if (cut < 0) cut = this.nextCut(text, start + size);
      if (cut < 0) break;
      parts.push(text.slice(start, cut));
      start = cut;
    }
    parts.push(start === 0 ? text : text.slice(start));
    return parts;
  }

  private clear(text: string, p: number): boolean {
    for (const token of this.sticky) {
      const n = token.content.length;
      const window = text.slice(Math.max(0, p - n - 8), p + n + 8);
      if (token.normalized && this.tokenizer.normalizer) {
        // Conservative: any occurrence near the cut in the normalized text rules it out.
        if (this.tokenizer.normalizer.normalizeString(window).includes(token.content)) return false;
        continue;
      }
      if (token.rstrip && text.startsWith(token.content, p - n)) return false;
      for (let i = text.lastIndexOf(token.content, p); i >= 0 && i > p - n - 1; i = text.lastIndexOf(token.content, i - 1)) {
        if (i < p && i + n > p) return false;
        if (i === 0) break;
      }
    }
    return true;
  }
}

/** Ids the post-processor puts before and after a single sequence (BOS/EOS of a template). */
export function specialAffixes(tokenizer: Tokenizer): [number[], number[]] {
  for (const probe of ['a', 'A', '0', '.', 'x y']) {
    const content = tokenizer.encode(probe, { addSpecialTokens: false }).ids;
    if (content.length === 0) continue;
    const full = tokenizer.encode(probe, { addSpecialTokens: true }).ids;
    for (let k = 0; k + content.length <= full.length; k++) {
      if (content.every((id, i) => full[k + i] === id)) return [full.slice(0, k), full.slice(k + content.length)];
    }
  }
  throw new TokenizerInputError('encode in chunks', 'cannot tell which special tokens the post-processor adds before and after a sequence', 'pass addSpecialTokens: false and add them yourself');
}

/** {@link SafeCuts} for `tokenizer`, or null when its pipeline cannot be cut. */
export function trySafeCuts(tokenizer: Tokenizer): SafeCuts | null {
  try {
    return new SafeCuts(tokenizer);
  } catch (e) {
    if (TokenizerInputError.isInstance(e)) return null;
    throw e;
  }
}
