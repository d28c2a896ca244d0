/**
 * tokenizer.json to components: the one place where Hugging Face's snake_case schema is read.
 * Every value is checked; anything missing, mistyped or unsupported throws a
 * `TokenizerConfigError` naming its JSON path and component type, never a silent fallback.
 *
 * Adding a component: write the class (see `normalizers.ts` / `pre-tokenizers.ts`), then add a
 * `case` for its `type` in the matching `parse*` function below and a test.
 *
 * @example
 * ```ts
 * const components = parseTokenizerJson(JSON.parse(text));
 * const tokenizer = new Tokenizer(components);
 * ```
 */
import type { AddedToken } from './added-vocabulary.js';
import { BpeModel } from './bpe-model.js';
import {
  BpeDecoder,
  ByteFallbackDecoder,
  ByteLevelDecoder,
  FuseDecoder,
  MetaspaceDecoder,
  ReplaceDecoder,
  SequenceDecoder,
  StripDecoder,
  type Decoder,
} from './decoders.js';
import { TokenizerConfigError } from './errors.js';
import {
  ByteLevelNormalizer,
  LowercaseNormalizer,
  PrependNormalizer,
  ReplaceNormalizer,
  SequenceNormalizer,
  StripAccentsNormalizer,
  StripNormalizer,
  UnicodeNormalizer,
  type JsonObject,
  type Normalizer,
} from './normalizers.js';
import { Pattern } from './pattern.js';
import {
  BertProcessing,
  ByteLevelPostProcessor,
  RobertaProcessing,
  SequenceProcessor,
  TemplateProcessing,
  type PostProcessor,
  type TemplatePiece,
  type TemplateSpecialToken,
} from './post-processors.js';
import { SPLIT_BEHAVIORS, type SplitBehavior } from './pre-tokenized-string.js';
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
  type PrependScheme,
  type PreTokenizer,
} from './pre-tokenizers.js';
import type { TokenizerComponents } from './tokenizer.js';
import type { PaddingOptions, TruncationOptions } from './truncation.js';

/** What `Tokenizer.fromJSON` accepts: the parsed object, the JSON text, or its UTF-8 bytes. */
export type TokenizerJsonInput = object | string | ArrayBuffer | Uint8Array;

const SUPPORTED = {
  normalizer: 'NFC, NFD, NFKC, NFKD, Lowercase, Sequence, Prepend, Replace, Strip, StripAccents, ByteLevel',
  pre_tokenizer: 'ByteLevel, Split, Sequence, Whitespace, WhitespaceSplit, Digits, Punctuation, CharDelimiterSplit, Metaspace, BertPreTokenizer',
  post_processor: 'ByteLevel, TemplateProcessing, BertProcessing, RobertaProcessing, Sequence',
  decoder: 'ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, BPEDecoder, Sequence',
  model: 'BPE',
};

/**
 * Parses JSON text or bytes (objects pass through).
 *
 * @example
 * ```ts
 * readJsonInput('{"version":"1.0"}'); // { version: '1.0' }
 * ```
 */
export function readJsonInput(input: TokenizerJsonInput): unknown {
  if (typeof input === 'string' || input instanceof ArrayBuffer || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new TokenizerConfigError('', `not valid JSON: ${(e as Error).message}`, undefined, 'pass the contents of a tokenizer.json file');
    }
  }
  return input;
}

/** Reads fields of one JSON object with path-aware errors. */
class Fields {
  constructor(
    readonly json: JsonObject,
    readonly path: string,
    readonly component?: string,
  ) {}

  static of(value: unknown, path: string, component?: string): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TokenizerConfigError(path, `expected an object, got ${describe(value)}`, component);
    }
    return new Fields(value as JsonObject, path, component);
  }

  at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  fail(key: string, detail: string): never {
    throw new TokenizerConfigError(this.at(key), detail, this.component);
  }

  string(key: string, fallback?: string): string {
    const v = this.json[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string') this.fail(key, `expected a string, got ${describe(v)}`);
    return v;
  }

  optionalString(key: string): string | null {
    const v = this.json[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') this.fail(key, `expected a string or null, got ${describe(v)}`);
    return v;
  }

  boolean(key: string, fallback?: boolean): boolean {
    const v = this.json[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(key, `expected a boolean, got ${describe(v)}`);
    return v;
  }

  integer(key: string, fallback?: number): number {
    const v = this.json[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(key, `expected a non-negative integer, got ${describe(v)}`);
    return v;
  }

  array(key: string): unknown[] {
    const v = this.json[key];
    if (!Array.isArray(v)) this.fail(key, `expected an array, got ${describe(v)}`);
    return v;
  }

  pattern(key: string): Pattern {
    const p = Fields.of(this.json[key], this.at(key), this.component);
    if (typeof p.json.String === 'string') return Pattern.string(p.json.String);
    if (typeof p.json.Regex === 'string') {
      try {
        return Pattern.regex(p.json.Regex);
      } catch (e) {
        throw new TokenizerConfigError(
          p.at('Regex'),
          `the regex ${JSON.stringify(p.json.Regex)} cannot be used: ${(e as Error).message}`,
          this.component,
          'only Oniguruma features that JavaScript regular expressions can express are supported',
        );
      }
    }
    return this.fail(key, 'expected { "String": ... } or { "Regex": ... }');
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const v = this.json[key] ?? fallback;
    if (!values.includes(v as T)) this.fail(key, `expected one of ${values.join(', ')}, got ${describe(v)}`);
    return v as T;
  }

  behavior(key: string): SplitBehavior {
    const v = this.json[key];
    if (!SPLIT_BEHAVIORS.includes(v as SplitBehavior)) this.fail(key, `expected one of ${SPLIT_BEHAVIORS.join(', ')}, got ${describe(v)}`);
    return v as SplitBehavior;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}` : `${typeof v} ${JSON.stringify(v)}`;
}

function typeOf(value: unknown, path: string, kind: keyof typeof SUPPORTED): Fields {
  const fields: Fields = Fields.of(value, path);
  const type = fields.json.type;
  if (typeof type !== 'string') fields.fail('type', `expected the ${kind} type as a string, got ${describe(type)}`);
  return new Fields(fields.json, path, type);
}

function unsupported(fields: Fields, kind: keyof typeof SUPPORTED): never {
  throw new TokenizerConfigError(
    fields.path,
    `unsupported ${kind} type ${JSON.stringify(fields.component)}`,
    fields.component,
    `supported ${kind} types: ${SUPPORTED[kind]}`,
  );
}

/** Parses a `normalizer` value (null allowed). */
export function parseNormalizer(value: unknown, path = 'normalizer'): Normalizer | null {
  if (value === null || value === undefined) return null;
  const f = typeOf(value, path, 'normalizer');
  switch (f.component) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return new UnicodeNormalizer(f.component);
    case 'Lowercase':
      return new LowercaseNormalizer();
    case 'Sequence':
      return new SequenceNormalizer(f.array('normalizers').map((n, i) => parseNormalizer(n, f.at(`normalizers[${i}]`))!));
    case 'Prepend':
      return new PrependNormalizer(f.string('prepend'));
    case 'Replace':
      return new ReplaceNormalizer(f.pattern('pattern'), f.string('content'));
    case 'Strip':
      return new StripNormalizer(f.boolean('strip_left', true), f.boolean('strip_right', true));
    case 'StripAccents':
      return new StripAccentsNormalizer();
    case 'ByteLevel':
      return new ByteLevelNormalizer();
    default:
      return unsupported(f, 'normalizer');
  }
}

function prependScheme(f: Fields): PrependScheme {
  const scheme = f.json.prepend_scheme;
  if (scheme === undefined) return f.boolean('add_prefix_space', true) ? 'always' : 'never';
  if (scheme !== 'always' && scheme !== 'first' && scheme !== 'never') f.fail('prepend_scheme', `expected always, first or never, got ${describe(scheme)}`);
  return scheme;
}

/** Parses a `pre_tokenizer` value (null allowed). */
export function parsePreTokenizer(value: unknown, path = 'pre_tokenizer'): PreTokenizer | null {
  if (value === null || value === undefined) return null;
  const f = typeOf(value, path, 'pre_tokenizer');
  switch (f.component) {
    case 'ByteLevel':
      return new ByteLevelPreTokenizer({
        addPrefixSpace: f.boolean('add_prefix_space', true),
        trimOffsets: f.boolean('trim_offsets', true),
        useRegex: f.boolean('use_regex', true),
      });
    case 'Split':
      return new SplitPreTokenizer(f.pattern('pattern'), f.behavior('behavior'), f.boolean('invert', false));
    case 'Sequence':
      return new SequencePreTokenizer(f.array('pretokenizers').map((p, i) => parsePreTokenizer(p, f.at(`pretokenizers[${i}]`))!));
    case 'Whitespace':
      return new WhitespacePreTokenizer();
    case 'WhitespaceSplit':
      return new WhitespaceSplitPreTokenizer();
    case 'Digits':
      return new DigitsPreTokenizer(f.boolean('individual_digits', false));
    case 'Punctuation':
      return new PunctuationPreTokenizer(f.json.behavior === undefined ? 'Isolated' : f.behavior('behavior'));
    case 'CharDelimiterSplit': {
      const delimiter = f.string('delimiter');
      if ([...delimiter].length !== 1) f.fail('delimiter', 'expected exactly one character');
      return new CharDelimiterSplitPreTokenizer(delimiter);
    }
    case 'Metaspace':
      return new MetaspacePreTokenizer(f.string('replacement'), prependScheme(f), f.boolean('split', true));
    case 'BertPreTokenizer':
      return new BertPreTokenizer();
    default:
      return unsupported(f, 'pre_tokenizer');
  }
}

function parsePair(value: unknown, path: string, component: string): [string, number] {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'number') {
    throw new TokenizerConfigError(path, `expected ["token", id], got ${describe(value)}`, component);
  }
  return [value[0], value[1]];
}

function parseTemplate(f: Fields, key: string, specials: ReadonlyMap<string, TemplateSpecialToken>): TemplatePiece[] {
  return f.array(key).map((piece, i): TemplatePiece => {
    const p = Fields.of(piece, f.at(`${key}[${i}]`), f.component);
    if (p.json.Sequence !== undefined) {
      const s = Fields.of(p.json.Sequence, p.at('Sequence'), f.component);
      return { sequence: s.oneOf('id', ['A', 'B'], 'A'), typeId: s.integer('type_id', 0) };
    }
    if (p.json.SpecialToken !== undefined) {
      const s: Fields = Fields.of(p.json.SpecialToken, p.at('SpecialToken'), f.component);
      const id = s.string('id');
      if (!specials.has(id)) s.fail('id', `special token ${JSON.stringify(id)} is not in special_tokens`);
      return { specialToken: id, typeId: s.integer('type_id', 0) };
    }
    return p.fail('', 'expected { "Sequence": ... } or { "SpecialToken": ... }');
  });
}

/** Parses a `post_processor` value (null allowed). */
export function parsePostProcessor(value: unknown, path = 'post_processor'): PostProcessor | null {
  if (value === null || value === undefined) return null;
  const f = typeOf(value, path, 'post_processor');
  switch (f.component) {
    case 'ByteLevel':
      return new ByteLevelPostProcessor({
        addPrefixSpace: f.boolean('add_prefix_space', true),
        trimOffsets: f.boolean('trim_offsets', true),
        useRegex: f.boolean('use_regex', true),
      });
    case 'TemplateProcessing': {
      const table = Fields.of(f.json.special_tokens ?? {}, f.at('special_tokens'), f.component);
      const specials = new Map<string, TemplateSpecialToken>();
      for (const [name, token] of Object.entries(table.json)) {
        const t = Fields.of(token, table.at(name), f.component);
        const ids = t.array('ids');
        const tokens = t.array('tokens');
        if (!ids.every((x) => typeof x === 'number') || !tokens.every((x) => typeof x === 'string') || ids.length !== tokens.length) {
          t.fail('ids', 'expected ids (numbers) and tokens (strings) of the same length');
        }
        specials.set(name, { id: t.string('id', name), ids: ids as number[], tokens: tokens as string[] });
      }
      return new TemplateProcessing(parseTemplate(f, 'single', specials), parseTemplate(f, 'pair', specials), [...specials.values()]);
    }
    case 'BertProcessing':
      return new BertProcessing(parsePair(f.json.sep, f.at('sep'), f.component), parsePair(f.json.cls, f.at('cls'), f.component));
    case 'RobertaProcessing':
      return new RobertaProcessing(parsePair(f.json.sep, f.at('sep'), f.component), parsePair(f.json.cls, f.at('cls'), f.component), {
        trimOffsets: f.boolean('trim_offsets', true),
        addPrefixSpace: f.boolean('add_prefix_space', true),
      });
    case 'Sequence':
      return new SequenceProcessor(f.array('processors').map((p, i) => parsePostProcessor(p, f.at(`processors[${i}]`))!));
    default:
      return unsupported(f, 'post_processor');
  }
}

/** Parses a `decoder` value (null allowed). */
export function parseDecoder(value: unknown, path = 'decoder'): Decoder | null {
  if (value === null || value === undefined) return null;
  const f = typeOf(value, path, 'decoder');
  switch (f.component) {
    case 'ByteLevel':
      return new ByteLevelDecoder({
        addPrefixSpace: f.boolean('add_prefix_space', true),
        trimOffsets: f.boolean('trim_offsets', true),
        useRegex: f.boolean('use_regex', true),
      });
    case 'Replace':
      return new ReplaceDecoder(f.pattern('pattern'), f.string('content'));
    case 'ByteFallback':
      return new ByteFallbackDecoder();
    case 'Fuse':
      return new FuseDecoder();
    case 'Strip':
      return new StripDecoder(f.string('content'), f.integer('start', 0), f.integer('stop', 0));
    case 'Metaspace':
      return new MetaspaceDecoder(f.string('replacement'), prependScheme(f), f.boolean('split', true));
    case 'BPEDecoder':
      return new BpeDecoder(f.string('suffix', '</w>'));
    case 'Sequence':
      return new SequenceDecoder(f.array('decoders').map((d, i) => parseDecoder(d, f.at(`decoders[${i}]`))!));
    default:
      return unsupported(f, 'decoder');
  }
}

/** Parses the `model` value (BPE only). */
export function parseModel(value: unknown, path = 'model'): BpeModel {
  const raw = Fields.of(value, path);
  const type = raw.json.type ?? (raw.json.merges !== undefined ? 'BPE' : undefined);
  const f = new Fields(raw.json, path, typeof type === 'string' ? type : undefined);
  if (type !== 'BPE') {
    if (typeof type !== 'string') f.fail('type', `expected the model type as a string, got ${describe(type)}`);
    return unsupported(f, 'model');
  }
  const vocab: Fields = Fields.of(f.json.vocab, f.at('vocab'), 'BPE');
  const map = new Map<string, number>();
  for (const [token, id] of Object.entries(vocab.json)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) vocab.fail(token, `expected a non-negative integer id, got ${describe(id)}`);
    map.set(token, id);
  }
  const merges = f.array('merges').map((m, i): string | [string, string] => {
    if (typeof m === 'string') return m;
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return [m[0], m[1]];
    return f.fail(`merges[${i}]`, `expected "a b" or ["a", "b"], got ${describe(m)}`);
  });
  const dropout = f.json.dropout;
  if (dropout !== undefined && dropout !== null && typeof dropout !== 'number') f.fail('dropout', `expected a number or null, got ${describe(dropout)}`);
  return new BpeModel({
    vocab: map,
    merges,
    unkToken: f.optionalString('unk_token'),
    continuingSubwordPrefix: f.optionalString('continuing_subword_prefix'),
    endOfWordSuffix: f.optionalString('end_of_word_suffix'),
    fuseUnk: f.boolean('fuse_unk', false),
    byteFallback: f.boolean('byte_fallback', false),
    ignoreMerges: f.boolean('ignore_merges', false),
    dropout: (dropout as number | null | undefined) ?? null,
  });
}

function parseAddedTokens(value: unknown): AddedToken[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TokenizerConfigError('added_tokens', `expected an array, got ${describe(value)}`);
  return value.map((t, i) => {
    const f = Fields.of(t, `added_tokens[${i}]`);
    const special = f.boolean('special', false);
    return {
      id: f.integer('id'),
      content: f.string('content'),
      singleWord: f.boolean('single_word', false),
      lstrip: f.boolean('lstrip', false),
      rstrip: f.boolean('rstrip', false),
      normalized: f.boolean('normalized', !special),
      special,
    };
  });
}

function parseTruncation(value: unknown): TruncationOptions | null {
  if (value === null || value === undefined) return null;
  const f = Fields.of(value, 'truncation');
  const strategy = f.oneOf('strategy', ['LongestFirst', 'OnlyFirst', 'OnlySecond'], 'LongestFirst');
  const direction = f.oneOf('direction', ['Right', 'Left'], 'Right');
  return { maxLength: f.integer('max_length'), strategy, direction, stride: f.integer('stride', 0) };
}

function parsePadding(value: unknown): PaddingOptions | null {
  if (value === null || value === undefined) return null;
  const f = Fields.of(value, 'padding');
  const s = f.json.strategy;
  let strategy: PaddingOptions['strategy'];
  if (s === 'BatchLongest' || s === undefined) strategy = 'BatchLongest';
  else strategy = { fixed: Fields.of(s, f.at('strategy')).integer('Fixed') };
  const direction = f.oneOf('direction', ['Right', 'Left'], 'Right');
  const multiple = f.json.pad_to_multiple_of;
  return {
    strategy,
    direction,
    padToMultipleOf: multiple === null || multiple === undefined ? null : f.integer('pad_to_multiple_of'),
    padId: f.integer('pad_id', 0),
    padTypeId: f.integer('pad_type_id', 0),
    padToken: f.string('pad_token', '[PAD]'),
  };
}

/**
 * Parses a whole tokenizer.json object into {@link TokenizerComponents}.
 *
 * @example
 * ```ts
 * new Tokenizer(parseTokenizerJson(json));
 * ```
 */
export function parseTokenizerJson(value: unknown): TokenizerComponents {
  const f = Fields.of(value, '');
  if (f.json.version !== undefined && f.json.version !== '1.0') {
    f.fail('version', `unknown tokenizer.json version ${describe(f.json.version)}; only "1.0" exists`);
  }
  if (f.json.model === undefined) f.fail('model', 'the model is missing');
  const normalizer = parseNormalizer(f.json.normalizer);
  return {
    model: parseModel(f.json.model),
    normalizer,
    preTokenizer: parsePreTokenizer(f.json.pre_tokenizer),
    postProcessor: parsePostProcessor(f.json.post_processor),
    decoder: parseDecoder(f.json.decoder),
    addedTokens: parseAddedTokens(f.json.added_tokens),
    truncation: parseTruncation(f.json.truncation),
    padding: parsePadding(f.json.padding),
  };
}
