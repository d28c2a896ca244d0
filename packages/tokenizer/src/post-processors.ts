/**
 * Post-processors: run after the model on the encoding of one sequence (or a pair), adding
 * special tokens (TemplateProcessing, Bert, Roberta) or trimming offsets (ByteLevel).
 * Hugging Face's `process_encodings`: a list of per-sequence parts in, a list out; the tokenizer
 * concatenates the result.
 *
 * @example
 * ```ts
 * const bos = TemplateProcessing.fromTemplates('<s> $A', '<s> $A <s> $B:1', [{ id: '<s>', ids: [1], tokens: ['<s>'] }]);
 * ```
 */
import { BYTE_TO_CHAR } from './byte-level.js';
import type { JsonObject } from './normalizers.js';
import { isWhitespace } from './unicode.js';

/**
 * The encoding of one sequence while it is post-processed. Only `ids` is always present; the
 * ids-only fast path leaves the other arrays undefined.
 */
export interface EncodingPart {
  ids: number[];
  tokens?: string[];
  offsets?: [number, number][];
  typeIds?: number[];
  specialTokensMask?: number[];
}

/** A post-processor step. */
export interface PostProcessor {
  /** The `type` written to tokenizer.json. */
  readonly type: string;
  /** Hugging Face `process_encodings`. */
  process(parts: EncodingPart[], addSpecialTokens: boolean): EncodingPart[];
  /** Number of tokens `process` adds for one sequence or a pair (for truncation). */
  addedTokens(isPair: boolean): number;
  /** The tokenizer.json object. */
  toJSON(): JsonObject;
}

const SPACE_SYMBOL = BYTE_TO_CHAR[0x20]!;

/**
 * Trims offsets so they exclude leading/trailing spaces (`Ġ` or White_Space) of each token,
 * keeping a single added prefix space on the first token (Hugging Face `process_offsets`).
 */
export function trimOffsets(part: EncodingPart, addPrefixSpace: boolean): void {
  const { tokens, offsets } = part;
  if (!tokens || !offsets) return;
  for (let i = 0; i < tokens.length; i++) {
    const chars = Array.from(tokens[i]!);
    const isSpace = (c: string): boolean => c === SPACE_SYMBOL || isWhitespace(c.codePointAt(0)!);
    let leading = 0;
    while (leading < chars.length && isSpace(chars[leading]!)) leading++;
    let trailing = 0;
    while (trailing < chars.length && isSpace(chars[chars.length - 1 - trailing]!)) trailing++;
    if (leading === 0 && trailing === 0) continue;
    const offset = offsets[i]!;
    if (leading > 0) {
      const isFirst = i === 0 || offset[0] === 0;
      if (isFirst && addPrefixSpace && leading === 1) leading = 0;
      offset[0] = Math.min(offset[0] + leading, offset[1]);
    }
    if (trailing > 0 && offset[1] >= trailing) offset[1] = Math.max(offset[1] - trailing, offset[0]);
  }
}

/**
 * The ByteLevel post-processor: trims offsets when `trimOffsets`; adds nothing.
 *
 * @example
 * ```ts
 * new ByteLevelPostProcessor({ addPrefixSpace: false, trimOffsets: true });
 * ```
 */
export class ByteLevelPostProcessor implements PostProcessor {
  readonly type = 'ByteLevel';
  readonly addPrefixSpace: boolean;
  readonly trimOffsets: boolean;
  readonly useRegex: boolean;

  constructor(options: { addPrefixSpace?: boolean; trimOffsets?: boolean; useRegex?: boolean } = {}) {
    this.addPrefixSpace = options.addPrefixSpace ?? true;
    this.trimOffsets = options.trimOffsets ?? true;
    this.useRegex = options.useRegex ?? true;
  }

  process(parts: EncodingPart[]): EncodingPart[] {
    if (this.trimOffsets) for (const part of parts) trimOffsets(part, this.addPrefixSpace);
    return parts;
  }

  addedTokens(): number {
    return 0;
  }

  toJSON(): JsonObject {
    return { type: this.type, add_prefix_space: this.addPrefixSpace, trim_offsets: this.trimOffsets, use_regex: this.useRegex };
  }
}

/** A template piece: an input sequence or a special token, each with a type id. */
export type TemplatePiece = { sequence: 'A' | 'B'; typeId: number } | { specialToken: string; typeId: number };

/** A special token of a template: its name and the ids/tokens it expands to. */
export interface TemplateSpecialToken {
  id: string;
  ids: number[];
  tokens: string[];
}

/**
 * Adds special tokens around the sequences by a template (BOS/EOS, BERT-style pairs).
 *
 * @example
 * ```ts
 * const p = TemplateProcessing.fromTemplates('<|bos|> $A <|eos|>', '$A $B:1', [
 *   { id: '<|bos|>', ids: [1], tokens: ['<|bos|>'] },
 *   { id: '<|eos|>', ids: [2], tokens: ['<|eos|>'] },
 * ]);
 * ```
 */
export class TemplateProcessing implements PostProcessor {
  readonly type = 'TemplateProcessing';
  readonly specialTokens: ReadonlyMap<string, TemplateSpecialToken>;

  constructor(
    readonly single: readonly TemplatePiece[],
    readonly pair: readonly TemplatePiece[],
    specialTokens: readonly TemplateSpecialToken[],
  ) {
    this.specialTokens = new Map(specialTokens.map((t) => [t.id, t]));
  }

  /**
   * From Hugging Face's string form: `"[CLS] $A [SEP]"`, `"$A:0 $B:1"`, `"$0"`, `"[SEP]:1"`.
   */
  static fromTemplates(single: string, pair: string, specialTokens: readonly TemplateSpecialToken[]): TemplateProcessing {
    return new TemplateProcessing(parseTemplate(single), parseTemplate(pair), specialTokens);
  }

  process(parts: EncodingPart[], addSpecialTokens: boolean): EncodingPart[] {
    const template = parts.length === 2 ? this.pair : this.single;
    const out: EncodingPart[] = [];
    for (const piece of template) {
      if ('sequence' in piece) {
        const part = parts[piece.sequence === 'A' ? 0 : 1];
        if (!part) continue;
        if (part.typeIds) part.typeIds = part.ids.map(() => piece.typeId);
        out.push(part);
      } else if (addSpecialTokens) {
        const special = this.specialTokens.get(piece.specialToken)!;
        out.push(specialPart(special.ids, special.tokens, piece.typeId, parts[0]!));
      }
    }
    return out;
  }

  addedTokens(isPair: boolean): number {
    let n = 0;
    for (const piece of isPair ? this.pair : this.single) {
      if ('specialToken' in piece) n += this.specialTokens.get(piece.specialToken)?.ids.length ?? 0;
    }
    return n;
  }

  toJSON(): JsonObject {
    const pieces = (template: readonly TemplatePiece[]): JsonObject[] =>
      template.map((p) =>
        'sequence' in p ? { Sequence: { id: p.sequence, type_id: p.typeId } } : { SpecialToken: { id: p.specialToken, type_id: p.typeId } },
      );
    const specialTokens: Record<string, TemplateSpecialToken> = {};
    for (const key of [...this.specialTokens.keys()].sort()) specialTokens[key] = this.specialTokens.get(key)!;
    return { type: this.type, single: pieces(this.single), pair: pieces(this.pair), special_tokens: specialTokens };
  }
}

function parseTemplate(template: string): TemplatePiece[] {
  return template.split(' ').map((s) => {
    const [name = '', typeText] = s.split(':');
    const typeId = typeText === undefined ? 0 : Number(typeText);
    if (name.startsWith('$')) {
      const rest = name.slice(1);
      if (rest === '' || rest === 'A' || rest === 'a') return { sequence: 'A', typeId };
      if (rest === 'B' || rest === 'b') return { sequence: 'B', typeId };
      return { sequence: 'A', typeId: Number(rest) };
    }
    return { specialToken: name, typeId };
  });
}

function specialPart(ids: readonly number[], tokens: readonly string[], typeId: number, like: EncodingPart): EncodingPart {
  const part: EncodingPart = { ids: [...ids] };
  if (like.tokens) part.tokens = [...tokens];
  if (like.offsets) part.offsets = ids.map((): [number, number] => [0, 0]);
  if (like.typeIds) part.typeIds = ids.map(() => typeId);
  if (like.specialTokensMask) part.specialTokensMask = ids.map(() => 1);
  return part;
}

/**
 * BERT's `[CLS] A [SEP] (B [SEP])`; the pair's tokens and last `[SEP]` get type id 1.
 *
 * @example
 * ```ts
 * new BertProcessing(['[SEP]', 102], ['[CLS]', 101]);
 * ```
 */
export class BertProcessing implements PostProcessor {
  readonly type = 'BertProcessing';
  constructor(
    readonly sep: readonly [string, number],
    readonly cls: readonly [string, number],
  ) {}

  process(parts: EncodingPart[], addSpecialTokens: boolean): EncodingPart[] {
    if (!addSpecialTokens) return parts;
    const [a, b] = parts as [EncodingPart, EncodingPart | undefined];
    const out = [specialPart([this.cls[1]], [this.cls[0]], 0, a), a, specialPart([this.sep[1]], [this.sep[0]], 0, a)];
    if (b) out.push(b, specialPart([this.sep[1]], [this.sep[0]], 1, a));
    return out;
  }

  addedTokens(isPair: boolean): number {
    return isPair ? 3 : 2;
  }

  toJSON(): JsonObject {
    return { type: this.type, sep: [...this.sep], cls: [...this.cls] };
  }
}

/**
 * RoBERTa's `<s> A </s> (</s> B </s>)` (special tokens with type id 0), after ByteLevel-style
 * offset trimming.
 *
 * @example
 * ```ts
 * new RobertaProcessing(['</s>', 2], ['<s>', 0], { trimOffsets: true, addPrefixSpace: true });
 * ```
 */
export class RobertaProcessing implements PostProcessor {
  readonly type = 'RobertaProcessing';
  readonly trimOffsets: boolean;
  readonly addPrefixSpace: boolean;

  constructor(
    readonly sep: readonly [string, number],
    readonly cls: readonly [string, number],
    options: { trimOffsets?: boolean; addPrefixSpace?: boolean } = {},
  ) {
    this.trimOffsets = options.trimOffsets ?? true;
    this.addPrefixSpace = options.addPrefixSpace ?? true;
  }

  process(parts: EncodingPart[], addSpecialTokens: boolean): EncodingPart[] {
    if (this.trimOffsets) for (const part of parts) trimOffsets(part, this.addPrefixSpace);
    // RoBERTa uses type id 0 everywhere.
    for (const part of parts) if (part.typeIds) part.typeIds = part.ids.map(() => 0);
    if (!addSpecialTokens) return parts;
    const [a, b] = parts as [EncodingPart, EncodingPart | undefined];
    const sep = (): EncodingPart => specialPart([this.sep[1]], [this.sep[0]], 0, a);
    const out = [specialPart([this.cls[1]], [this.cls[0]], 0, a), a, sep()];
    if (b) out.push(sep(), b, sep());
    return out;
  }

  addedTokens(isPair: boolean): number {
    return isPair ? 4 : 2;
  }

  toJSON(): JsonObject {
    return { type: this.type, sep: [...this.sep], cls: [...this.cls], trim_offsets: this.trimOffsets, add_prefix_space: this.addPrefixSpace };
  }
}

/**
 * Applies post-processors in order.
 *
 * @example
 * ```ts
 * new SequenceProcessor([new ByteLevelPostProcessor({ trimOffsets: false }), bos]);
 * ```
 */
export class SequenceProcessor implements PostProcessor {
  readonly type = 'Sequence';
  constructor(readonly processors: readonly PostProcessor[]) {}

  process(parts: EncodingPart[], addSpecialTokens: boolean): EncodingPart[] {
    for (const p of this.processors) parts = p.process(parts, addSpecialTokens);
    return parts;
  }

  addedTokens(isPair: boolean): number {
    return this.processors.reduce((n, p) => n + p.addedTokens(isPair), 0);
  }

  toJSON(): JsonObject {
    return { type: this.type, processors: this.processors.map((p) => p.toJSON()) };
  }
}
