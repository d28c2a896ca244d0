/**
 * `Tokenizer`: a Hugging Face tokenizer.json pipeline (normalizer, added tokens, pre-tokenizer,
 * BPE model, post-processor, decoder) with the ids Python gives.
 *
 * Two encode paths share every component: a fast one that only produces ids (strings and
 * typed arrays, a per-piece cache) and an offset-tracking one that mirrors Hugging Face's
 * `NormalizedString` alignments for tokens and offsets. `encode` runs the first eagerly and the
 * second when `tokens` or `offsets` are read.
 *
 * @example
 * ```ts
 * import { Tokenizer } from '@tessera/tokenizer';
 * const tokenizer = await Tokenizer.fromFile('gpt2-tokenizer.json');
 * const { ids, tokens, offsets } = tokenizer.encode('Hello world');
 * tokenizer.decode(ids); // 'Hello world'
 * ```
 */
import { AddedVocabulary, type AddedToken } from './added-vocabulary.js';
import type { BpeModel } from './bpe-model.js';
import { renderChatTemplate, selectChatTemplate, type ApplyChatTemplateOptions, type ChatMessage } from './chat-template.js';
import type { Decoder } from './decoders.js';
import { LazyEncoding, type Encoding, type EncodingDetail } from './encoding.js';
import type { Emit } from './gpt2-split.js';
import type { JsonObject, Normalizer } from './normalizers.js';
import type { NormalizedString } from './normalized-string.js';
import type { EncodingPart, PostProcessor } from './post-processors.js';
import { PreTokenizedString, type Split } from './pre-tokenized-string.js';
import type { PreTokenizer } from './pre-tokenizers.js';
import { IncrementalDecoder, type IncrementalDecoderOptions } from './incremental-decoder.js';
import { parseTokenizerJson, readJsonInput, type TokenizerJsonInput } from './serialization.js';
import { parseTokenizerConfig, type TokenizerConfig } from './tokenizer-config.js';
import { paddedLength, truncateParts, type PaddingOptions, type TruncationOptions } from './truncation.js';
import { utf16ToCodePointMap } from './unicode.js';

/** The pipeline a {@link Tokenizer} runs; everything but the model is optional. */
export interface TokenizerComponents {
  model: BpeModel;
  normalizer?: Normalizer | null;
  preTokenizer?: PreTokenizer | null;
  postProcessor?: PostProcessor | null;
  decoder?: Decoder | null;
  /** Added tokens in order (ids are assigned as Hugging Face assigns them). */
  addedTokens?: readonly AddedToken[];
  truncation?: TruncationOptions | null;
  padding?: PaddingOptions | null;
  /** Values from tokenizer_config.json (special token names, chat template). */
  config?: TokenizerConfig;
}

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Let the post-processor add its special tokens (BOS/EOS...). Default true, as in Python. */
  addSpecialTokens?: boolean;
  /** A second sequence, encoded as the pair (`$B` of a template). */
  pair?: string;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special added tokens. Default false. */
  skipSpecialTokens?: boolean;
}

const EMPTY_DETAIL = (): EncodingPart => ({ ids: [], tokens: [], offsets: [], typeIds: [], specialTokensMask: [] });

/**
 * A loaded tokenizer: the tokenizer.json pipeline plus tokenizer_config.json values.
 *
 * @example
 * ```ts
 * const tokenizer = Tokenizer.fromJSON(json);
 * const { ids } = tokenizer.encode('Hello world', { addSpecialTokens: false });
 * tokenizer.decode(ids); // 'Hello world'
 * ```
 */
export class Tokenizer {
  readonly model: BpeModel;
  readonly normalizer: Normalizer | null;
  readonly preTokenizer: PreTokenizer | null;
  readonly postProcessor: PostProcessor | null;
  readonly decoder: Decoder | null;
  readonly truncation: TruncationOptions | null;
  readonly padding: PaddingOptions | null;
  /** tokenizer_config.json values (empty unless given or loaded by `fromPretrained`). */
  readonly config: TokenizerConfig;
  /** The added tokens and their matcher. */
  readonly addedVocabulary: AddedVocabulary;
  /** True when the model receives plain text and maps bytes itself (final ByteLevel step). */
  private readonly rawBytes: boolean;
  /** True when ids must come from the offset-tracking path. */
  private readonly idsNeedOffsets: boolean;
  private out: number[] = [];
  private readonly emit: Emit;

  /**
   * Builds a tokenizer from components (what a BPE trainer does).
   *
   * @example
   * ```ts
   * const tokenizer = new Tokenizer({
   *   model: new BpeModel({ vocab, merges }),
   *   preTokenizer: new ByteLevelPreTokenizer({ addPrefixSpace: false }),
   *   decoder: new ByteLevelDecoder(),
   *   addedTokens: [{ content: '<|endoftext|>', special: true }],
   * });
   * ```
   */
  constructor(components: TokenizerComponents) {
    this.model = components.model;
    this.normalizer = components.normalizer ?? null;
    this.preTokenizer = components.preTokenizer ?? null;
    this.postProcessor = components.postProcessor ?? null;
    this.decoder = components.decoder ?? null;
    this.truncation = components.truncation ?? null;
    this.padding = components.padding ?? null;
    this.config = components.config ?? {};
    this.addedVocabulary = new AddedVocabulary(components.addedTokens ?? [], this.model, this.normalizer);
    this.rawBytes = this.preTokenizer?.endsWithByteLevel() ?? false;
    this.idsNeedOffsets = this.preTokenizer?.needsOffsets === true;
    const model = this.model;
    const rawBytes = this.rawBytes;
    this.emit = (text, start, end) => model.tokenizeInto(text, start, end, rawBytes, this.out);
  }

  /**
   * Loads a tokenizer.json given as an object, a JSON string, or its bytes.
   * Throws `TokenizerConfigError` (with the JSON path) for anything it cannot honour.
   *
   * @example
   * ```ts
   * const tokenizer = Tokenizer.fromJSON(await (await fetch('/tokenizer.json')).arrayBuffer());
   * ```
   */
  static fromJSON(json: TokenizerJsonInput, options: { tokenizerConfig?: TokenizerJsonInput } = {}): Tokenizer {
    const components = parseTokenizerJson(readJsonInput(json));
    if (options.tokenizerConfig !== undefined) components.config = parseTokenizerConfig(readJsonInput(options.tokenizerConfig));
    return new Tokenizer(components);
  }

  /**
   * Reads a tokenizer.json file (Node only; `node:fs` is imported on demand so browsers never
   * load it).
   *
   * @example
   * ```ts
   * const tokenizer = await Tokenizer.fromFile('./tokenizer.json');
   * ```
   */
  static async fromFile(path: string): Promise<Tokenizer> {
    const { readFile } = await import('node:fs/promises');
    return Tokenizer.fromJSON(await readFile(path));
  }

  /**
   * Loads a pretrained tokenizer directory (Node only): `tokenizer.json` plus, when present,
   * `tokenizer_config.json` (special tokens, `chat_template`).
   *
   * @example
   * ```ts
   * const tokenizer = await Tokenizer.fromPretrained('./mpt-7b-chat');
   * tokenizer.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
   * ```
   */
  static async fromPretrained(directory: string): Promise<Tokenizer> {
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const json = await readFile(join(directory, 'tokenizer.json'));
    let tokenizerConfig: Uint8Array | undefined;
    try {
      tokenizerConfig = await readFile(join(directory, 'tokenizer_config.json'));
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
    return Tokenizer.fromJSON(json, tokenizerConfig === undefined ? {} : { tokenizerConfig });
  }

  /**
   * Number of tokens: with added tokens (default, as Python's `get_vocab_size()`), or the model
   * vocabulary alone.
   *
   * @example
   * ```ts
   * neox.getVocabSize(); // 50277
   * neox.getVocabSize(false); // 50254
   * ```
   */
  getVocabSize(withAddedTokens = true): number {
    if (!withAddedTokens) return this.model.vocabSize;
    let n = this.model.vocabSize;
    for (const [content] of this.addedVocabulary.entries()) if (this.model.tokenToId(content) === undefined) n++;
    return n;
  }

  /** {@link getVocabSize} with added tokens. */
  get vocabSize(): number {
    return this.getVocabSize(true);
  }

  /**
   * Token to id (added tokens first, then the model).
   *
   * @example
   * ```ts
   * tokenizer.tokenToId('<|endoftext|>'); // 0
   * ```
   */
  tokenToId(token: string): number | undefined {
    return this.addedVocabulary.tokenToId(token) ?? this.model.tokenToId(token);
  }

  /**
   * Id to token (added tokens first, then the model). A `normalized` added token comes back
   * normalized, as in Python.
   *
   * @example
   * ```ts
   * tokenizer.idToToken(0); // '<|endoftext|>'
   * ```
   */
  idToToken(id: number): string | undefined {
    return this.addedVocabulary.token(id)?.text ?? this.model.idToTokenString(id);
  }

  /**
   * The full vocabulary (token to id), with or without added tokens.
   *
   * @example
   * ```ts
   * tokenizer.getVocab().get('Ġthe');
   * ```
   */
  getVocab(withAddedTokens = true): Map<string, number> {
    const vocab = new Map(this.model.vocab);
    if (withAddedTokens) for (const [content, id] of this.addedVocabulary.entries()) vocab.set(content, id);
    return vocab;
  }

  /**
   * Encodes text. `ids` is ready at once; `tokens`, `offsets` (code points, as Python reports
   * them) and the masks are computed when first read.
   *
   * @example
   * ```ts
   * const { ids } = tokenizer.encode('Hello world', { addSpecialTokens: false });
   * ```
   */
  encode(text: string, options: EncodeOptions = {}): Encoding {
    const addSpecialTokens = options.addSpecialTokens ?? true;
    const pair = options.pair;
    const ids = this.idsNeedOffsets ? this.encodeDetail(text, pair, addSpecialTokens).ids : this.encodeIds(text, pair, addSpecialTokens);
    const target = this.padding ? paddedLength(this.padding, ids.length) : ids.length;
    return this.finish(ids, target, () => this.encodeDetail(text, pair, addSpecialTokens));
  }

  /**
   * Encodes many texts (or `[text, pair]` tuples); with `padding` set they are padded together.
   *
   * @example
   * ```ts
   * tokenizer.encodeBatch(['a', 'b c']).map((e) => e.ids);
   * ```
   */
  encodeBatch(inputs: readonly (string | readonly [string, string])[], options: Omit<EncodeOptions, 'pair'> = {}): Encoding[] {
    const addSpecialTokens = options.addSpecialTokens ?? true;
    const all = inputs.map((input) => {
      const [text, pair] = typeof input === 'string' ? [input, undefined] : input;
      const ids = this.idsNeedOffsets ? this.encodeDetail(text, pair, addSpecialTokens).ids : this.encodeIds(text, pair, addSpecialTokens);
      return { text, pair, ids };
    });
    const longest = all.reduce((m, e) => Math.max(m, e.ids.length), 0);
    const target = this.padding ? paddedLength(this.padding, longest) : 0;
    return all.map(({ text, pair, ids }) =>
      this.finish(ids, this.padding ? Math.max(target, ids.length) : ids.length, () => this.encodeDetail(text, pair, addSpecialTokens)),
    );
  }

  private finish(ids: number[], target: number, detail: () => EncodingDetail): Encoding {
    const padding = this.padding;
    if (!padding || target <= ids.length) return new LazyEncoding(ids, detail);
    const count = target - ids.length;
    const pad = <T>(values: T[], value: T): T[] => {
      const fill = new Array<T>(count).fill(value);
      return padding.direction === 'Right' ? [...values, ...fill] : [...fill, ...values];
    };
    return new LazyEncoding(pad(ids, padding.padId), () => {
      const d = detail();
      return {
        ids: pad(d.ids, padding.padId),
        tokens: pad(d.tokens, padding.padToken),
        offsets: pad<[number, number]>(d.offsets, [0, 0]).map((o) => [o[0], o[1]]),
        typeIds: pad(d.typeIds, padding.padTypeId),
        specialTokensMask: pad(d.specialTokensMask, 1),
        attentionMask: pad(d.attentionMask, 0),
      };
    });
  }

  /** The fast path: ids only. */
  private encodeIds(text: string, pair: string | undefined, addSpecialTokens: boolean): number[] {
    const parts: EncodingPart[] = [{ ids: this.sequenceIds(text) }];
    if (pair !== undefined) parts.push({ ids: this.sequenceIds(pair) });
    return this.postProcess(parts, addSpecialTokens).ids;
  }

  private sequenceIds(text: string): number[] {
    const out: number[] = [];
    const saved = this.out;
    this.out = out;
    try {
      const added = this.addedVocabulary;
      if (added.isEmpty(false)) {
        this.normalizedIds(text, out);
      } else {
        for (const [id, start, end] of added.findMatches(text, false)) {
          if (id >= 0) out.push(id);
          else this.normalizedIds(text.slice(start, end), out);
        }
      }
    } finally {
      this.out = saved;
    }
    return out;
  }

  private normalizedIds(piece: string, out: number[]): void {
    if (piece.length === 0) return;
    const normalized = this.normalizer ? this.normalizer.normalizeString(piece) : piece;
    const added = this.addedVocabulary;
    if (added.isEmpty(true)) {
      this.modelIds(normalized);
      return;
    }
    for (const [id, start, end] of added.findMatches(normalized, true)) {
      if (id >= 0) out.push(id);
      else this.modelIds(start === 0 && end === normalized.length ? normalized : normalized.slice(start, end));
    }
  }

  private modelIds(text: string): void {
    if (text.length === 0) return;
    if (this.preTokenizer) this.preTokenizer.preTokenizeString(text, this.emit, this.rawBytes);
    else this.model.tokenizeInto(text, 0, text.length, false, this.out);
  }

  /** The offset-tracking path: everything, with offsets in code points. */
  private encodeDetail(text: string, pair: string | undefined, addSpecialTokens: boolean): EncodingDetail {
    const parts = [this.sequenceDetail(text, 0)];
    if (pair !== undefined) parts.push(this.sequenceDetail(pair, 1));
    const merged = this.postProcess(parts, addSpecialTokens);
    return {
      ids: merged.ids,
      tokens: merged.tokens!,
      offsets: merged.offsets!,
      typeIds: merged.typeIds!,
      specialTokensMask: merged.specialTokensMask!,
      attentionMask: merged.ids.map(() => 1),
    };
  }

  private sequenceDetail(text: string, typeId: number): EncodingPart {
    const pts = PreTokenizedString.from(text);
    const added = this.addedVocabulary;
    const splitAdded = (ns: NormalizedString, normalized: boolean): Split[] =>
      added.findMatches(ns.normalized, normalized).map(([id, start, end]) => {
        const slice = ns.slice(start, end);
        if (id < 0) return { normalized: slice };
        return { normalized: slice, tokens: [{ id, value: slice.normalized, start: 0, end: slice.normalized.length }] };
      });
    pts.split((ns) => splitAdded(ns, false));
    pts.split((ns) => {
      this.normalizer?.normalize(ns);
      return splitAdded(ns, true);
    });
    this.preTokenizer?.preTokenize(pts);
    for (const split of pts.splits) split.tokens ??= this.model.tokenize(split.normalized.normalized);

    const part = EMPTY_DETAIL();
    const toCodePoint = utf16ToCodePointMap(text);
    const length = text.length;
    for (const split of pts.splits) {
      const ns = split.normalized;
      const [shift] = ns.offsetsOriginal();
      for (const token of split.tokens!) {
        const span = ns.toOriginal(token.start, token.end);
        let [s, e] = span ? [shift + span[0], shift + span[1]] : [token.start, token.end];
        if (s < length) {
          e = e < length ? toCodePoint(e) : toCodePoint(Math.max(s, e - 1)) + 1;
          s = toCodePoint(s);
        } else {
          // Python's converter has no entry here and keeps byte offsets.
          s = new TextEncoder().encode(text.slice(0, s)).length;
          e = new TextEncoder().encode(text.slice(0, e)).length;
        }
        part.ids.push(token.id);
        part.tokens!.push(token.value);
        part.offsets!.push([s, e]);
        part.typeIds!.push(typeId);
        part.specialTokensMask!.push(0);
      }
    }
    return part;
  }

  private postProcess(parts: EncodingPart[], addSpecialTokens: boolean): EncodingPart {
    if (this.truncation) {
      const added = addSpecialTokens && this.postProcessor ? this.postProcessor.addedTokens(parts.length === 2) : 0;
      truncateParts(parts, { ...this.truncation, maxLength: Math.max(0, this.truncation.maxLength - added) });
    }
    const processed = this.postProcessor ? this.postProcessor.process(parts, addSpecialTokens) : parts;
    if (processed.length === 1) return processed[0]!;
    const merged: EncodingPart = { ids: [] };
    const detailed = processed[0]?.tokens !== undefined;
    if (detailed) Object.assign(merged, { tokens: [], offsets: [], typeIds: [], specialTokensMask: [] });
    // Appended element by element: spreading a long part into push() overflows the stack.
    const append = <T>(target: T[], values: readonly T[]): void => {
      for (const value of values) target.push(value);
    };
    for (const p of processed) {
      append(merged.ids, p.ids);
      if (detailed) {
        append(merged.tokens!, p.tokens!);
        append(merged.offsets!, p.offsets!);
        append(merged.typeIds!, p.typeIds!);
        append(merged.specialTokensMask!, p.specialTokensMask!);
      }
    }
    return merged;
  }

  /**
   * Decodes ids to text. Unknown ids are skipped, as in Python.
   *
   * @example
   * ```ts
   * tokenizer.decode([15496, 995]); // 'Hello world'
   * tokenizer.decode(ids, { skipSpecialTokens: true });
   * ```
   */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const tokens = this.idsToTokens(ids, options.skipSpecialTokens ?? false);
    return this.decodeTokens(tokens);
  }

  /** Token strings of `ids` as `decode` sees them (unknown ids dropped, specials optionally). */
  idsToTokens(ids: ArrayLike<number>, skipSpecialTokens: boolean): string[] {
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const token = this.idToToken(ids[i]!);
      if (token === undefined) continue;
      if (skipSpecialTokens && this.addedVocabulary.isSpecial(token)) continue;
      tokens.push(token);
    }
    return tokens;
  }

  /** Runs the decoder on token strings (joined with spaces when there is no decoder). */
  decodeTokens(tokens: string[]): string {
    return this.decoder ? this.decoder.decodeChain(tokens).join('') : tokens.join(' ');
  }

  /**
   * Decodes many id sequences.
   *
   * @example
   * ```ts
   * tokenizer.decodeBatch([[15496], [995]]); // ['Hello', ' world']
   * ```
   */
  decodeBatch(batch: readonly ArrayLike<number>[], options: DecodeOptions = {}): string[] {
    return batch.map((ids) => this.decode(ids, options));
  }

  /**
   * A streaming decoder that returns only complete text (see {@link IncrementalDecoder}).
   *
   * @example
   * ```ts
   * const stream = tokenizer.decodeStream();
   * for (const id of ids) process.stdout.write(stream.push(id));
   * process.stdout.write(stream.flush());
   * ```
   */
  decodeStream(options: IncrementalDecoderOptions = {}): IncrementalDecoder {
    return new IncrementalDecoder(this, options);
  }

  /**
   * Renders the `chat_template` of tokenizer_config.json for `messages` (a string; encode it
   * with `encode(text, { addSpecialTokens: false })` when the template writes BOS itself).
   *
   * @example
   * ```ts
   * const prompt = tokenizer.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
   * ```
   */
  applyChatTemplate(messages: readonly ChatMessage[], options: ApplyChatTemplateOptions = {}): string {
    const config = this.config;
    const specialTokens: Record<string, string> = { ...config.extraSpecialTokens };
    if (config.bosToken !== undefined) specialTokens.bos_token = config.bosToken;
    if (config.eosToken !== undefined) specialTokens.eos_token = config.eosToken;
    if (config.unkToken !== undefined) specialTokens.unk_token = config.unkToken;
    if (config.padToken !== undefined) specialTokens.pad_token = config.padToken;
    return renderChatTemplate(selectChatTemplate(config, options), messages, options, specialTokens);
  }

  /**
   * The tokenizer.json object; `Tokenizer.fromJSON(t.toJSON())` behaves identically.
   *
   * @example
   * ```ts
   * JSON.stringify(tokenizer.toJSON());
   * ```
   */
  toJSON(): JsonObject {
    const truncation = this.truncation;
    const padding = this.padding;
    return {
      version: '1.0',
      truncation: truncation && {
        direction: truncation.direction,
        max_length: truncation.maxLength,
        strategy: truncation.strategy,
        stride: truncation.stride,
      },
      padding: padding && {
        strategy: padding.strategy === 'BatchLongest' ? 'BatchLongest' : { Fixed: padding.strategy.fixed },
        direction: padding.direction,
        pad_to_multiple_of: padding.padToMultipleOf,
        pad_id: padding.padId,
        pad_type_id: padding.padTypeId,
        pad_token: padding.padToken,
      },
      added_tokens: this.addedVocabulary.tokens.map((t) => ({
        id: t.id,
        content: t.content,
        single_word: t.singleWord,
        lstrip: t.lstrip,
        rstrip: t.rstrip,
        normalized: t.normalized,
        special: t.special,
      })),
      normalizer: this.normalizer?.toJSON() ?? null,
      pre_tokenizer: this.preTokenizer?.toJSON() ?? null,
      post_processor: this.postProcessor?.toJSON() ?? null,
      decoder: this.decoder?.toJSON() ?? null,
      model: this.model.toJSON(),
    };
  }
}
