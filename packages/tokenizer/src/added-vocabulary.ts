/**
 * Added tokens (special and normal) and how text is split around them, following Hugging Face's
 * `AddedVocabulary` exactly:
 *
 * - ids: tokens are added one by one in tokenizer.json order; a content already in the model
 *   vocabulary takes that id, a new one takes the next free id (the JSON `id` is not trusted,
 *   as in Python).
 * - matching: tokens with `normalized: false` are found in the raw text, the others in the
 *   normalized pieces; each set is matched leftmost-longest, non-overlapping. A `single_word`
 *   match next to a word character (Rust-regex `\w`) is dropped; `lstrip`/`rstrip` widen the
 *   match over neighbouring White_Space.
 *
 * @example
 * ```ts
 * const added = new AddedVocabulary([{ content: '<|endoftext|>', special: true, normalized: false }], model, null);
 * added.findMatches('a<|endoftext|>b', false); // [[-1, 0, 1], [50256, 1, 14], [-1, 14, 15]]
 * ```
 */
import type { BpeModel } from './bpe-model.js';
import type { Normalizer } from './normalizers.js';
import { isWhitespace, isWordChar, previousCodePointStart, codePointAt } from './unicode.js';

/** One added token, as in tokenizer.json's `added_tokens` (camelCase). */
export interface AddedToken {
  content: string;
  /** Only match when not next to a word character. Default false. */
  singleWord?: boolean;
  /** Swallow White_Space on the left. Default false. */
  lstrip?: boolean;
  /** Swallow White_Space on the right. Default false. */
  rstrip?: boolean;
  /** Match in normalized text (true) or raw text (false). Default: `!special`. */
  normalized?: boolean;
  /** Skipped by `decode(ids, { skipSpecialTokens: true })`. Default false. */
  special?: boolean;
  /** The id written in tokenizer.json (informational; ids are assigned as Hugging Face does). */
  id?: number;
}

/** A resolved added token. */
export interface ResolvedAddedToken {
  readonly id: number;
  readonly content: string;
  readonly singleWord: boolean;
  readonly lstrip: boolean;
  readonly rstrip: boolean;
  readonly normalized: boolean;
  readonly special: boolean;
  /**
   * What `idToToken` and `decode` return: the content, passed through the normalizer when
   * `normalized` (as Hugging Face does: `Ship` under Lowercase decodes as `ship`).
   */
  readonly text: string;
}

/** A split of a sentence: `id` is -1 for plain text. */
export type AddedSplit = [id: number, start: number, end: number];

/**
 * Leftmost-longest literal matcher: a regular expression whose alternatives are the contents
 * sorted longest first (V8 compiles it to a fast scanner; the first alternative that matches at
 * the leftmost position is the longest).
 */
class Matcher {
  private readonly entries: [string, number][] = [];
  private regex: RegExp | null = null;

  get empty(): boolean {
    return this.entries.length === 0;
  }

  add(content: string, id: number): void {
    const existing = this.entries.findIndex(([c]) => c === content);
    if (existing >= 0) this.entries[existing] = [content, id];
    else this.entries.push([content, id]);
    this.regex = null;
  }

  private ids = new Map<string, number>();

  private compile(): RegExp {
    const sorted = [...this.entries].sort((a, b) => b[0].length - a[0].length);
    const source = sorted.map(([c]) => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join('|');
    this.ids = new Map(sorted);
    return new RegExp(source, 'gu');
  }

  /** Calls `onMatch(id, start, end)` for the leftmost-longest non-overlapping matches. */
  scan(text: string, onMatch: (id: number, start: number, end: number) => void): void {
    if (this.entries.length === 0) return;
    const regex = (this.regex ??= this.compile());
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      onMatch(this.ids.get(m[0])!, m.index, m.index + m[0].length);
    }
  }
}

/**
 * The added tokens of a tokenizer and the matcher that splits text around them.
 *
 * @example
 * ```ts
 * const added = new AddedVocabulary([{ content: '<|im_end|>', special: true }], model, null);
 * added.tokenToId('<|im_end|>');
 * ```
 */
export class AddedVocabulary {
  /** Content to id, for every added token. */
  private readonly byContent = new Map<string, number>();
  /** Id to token. */
  private readonly byId = new Map<number, ResolvedAddedToken>();
  /** Contents of special tokens. */
  private readonly specialSet = new Set<string>();
  private readonly rawTrie = new Matcher();
  private readonly normalizedTrie = new Matcher();
  /** Tokens in tokenizer.json order, for serialization. */
  readonly tokens: readonly ResolvedAddedToken[];

  constructor(tokens: readonly AddedToken[], model: BpeModel, normalizer: Normalizer | null) {
    const specials: ResolvedAddedToken[] = [];
    const classic: ResolvedAddedToken[] = [];
    let maxId = -1;
    for (const token of tokens) {
      const special = token.special ?? false;
      const flags = {
        content: token.content,
        singleWord: token.singleWord ?? false,
        lstrip: token.lstrip ?? false,
        rstrip: token.rstrip ?? false,
        normalized: token.normalized ?? !special,
        special,
      };
      if (flags.content.length === 0) continue;
      if ([...this.byId.values()].some((t) => sameFlags(t, flags))) continue;
      if (special && !this.specialSet.has(flags.content)) this.specialSet.add(flags.content);
      let id = this.byContent.get(flags.content) ?? model.tokenToId(flags.content);
      if (id === undefined) {
        const size = model.vocabSize;
        id = maxId < 0 ? size : maxId >= size || size === 0 ? maxId + 1 : size;
      }
      this.byContent.set(flags.content, id);
      maxId = Math.max(maxId, id);
      const text = flags.normalized && normalizer ? normalizer.normalizeString(flags.content) : flags.content;
      const resolved: ResolvedAddedToken = { id, ...flags, text };
      this.byId.set(id, resolved);
      if (special) specials.push(resolved);
      else if (!this.specialSet.has(flags.content)) classic.push(resolved);
    }
    this.tokens = [...this.byId.values()].sort((a, b) => a.id - b.id);
    for (const token of [...specials, ...classic]) {
      const id = this.byContent.get(token.content)!;
      if (token.normalized) {
        const content = normalizer ? normalizer.normalizeString(token.content) : token.content;
        if (content.length > 0) this.normalizedTrie.add(content, id);
      } else {
        this.rawTrie.add(token.content, id);
      }
    }
  }

  /** Number of added tokens (distinct contents). */
  get size(): number {
    return this.byContent.size;
  }

  /** True when there is nothing to match in raw (`normalized: false`) or normalized text. */
  isEmpty(normalized: boolean): boolean {
    return normalized ? this.normalizedTrie.empty : this.rawTrie.empty;
  }

  /** Id of an added token's content. */
  tokenToId(content: string): number | undefined {
    return this.byContent.get(content);
  }

  /** The added token with this id. */
  token(id: number): ResolvedAddedToken | undefined {
    return this.byId.get(id);
  }

  /** True when `content` is a special token's content (what `skipSpecialTokens` drops). */
  isSpecial(content: string): boolean {
    return this.specialSet.has(content);
  }

  /** Contents of all added tokens with their ids. */
  entries(): IterableIterator<[string, number]> {
    return this.byContent.entries();
  }

  /**
   * Splits `sentence` around the added tokens of one set (raw or normalized), Hugging Face
   * `find_matches`: the splits cover the sentence; an empty sentence gives one empty split.
   */
  findMatches(sentence: string, normalized: boolean): AddedSplit[] {
    if (sentence.length === 0) return [[-1, 0, 0]];
    const splits: AddedSplit[] = [];
    let startOffset = 0;
    (normalized ? this.normalizedTrie : this.rawTrie).scan(sentence, (id, matchStart, matchEnd) => {
      let start = matchStart;
      let stop = matchEnd;
      const token = this.byId.get(id)!;
      if (token.singleWord) {
        const startSpace = start === 0 || !isWordChar(codePointAt(sentence, previousCodePointStart(sentence, start)));
        const stopSpace = stop === sentence.length || !isWordChar(codePointAt(sentence, stop));
        if (!startSpace || !stopSpace) return;
      }
      if (token.lstrip) {
        let newStart = start;
        while (newStart > 0 && isWhitespace(sentence.charCodeAt(newStart - 1))) newStart--;
        start = Math.max(newStart, startOffset);
      }
      if (token.rstrip) {
        while (stop < sentence.length && isWhitespace(sentence.charCodeAt(stop))) stop++;
      }
      if (startOffset < start) splits.push([-1, startOffset, start]);
      splits.push([id, start, stop]);
      startOffset = stop;
    });
    if (startOffset !== sentence.length) splits.push([-1, startOffset, sentence.length]);
    return splits;
  }
}

function sameFlags(a: Omit<ResolvedAddedToken, 'id' | 'text'>, b: Omit<ResolvedAddedToken, 'id' | 'text'>): boolean {
  return (
    a.content === b.content &&
    a.singleWord === b.singleWord &&
    a.lstrip === b.lstrip &&
    a.rstrip === b.rstrip &&
    a.normalized === b.normalized &&
    a.special === b.special
  );
}
