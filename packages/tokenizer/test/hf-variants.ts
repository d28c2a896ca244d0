/**
 * tokenizer.json variants and test strings for the differential test against Hugging Face's
 * own library (npm `tokenizers`): every supported component, option and behaviour, on the
 * fixture strings plus generated ones.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_FIXTURES, readExpected } from './fixtures.js';

type Json = Record<string, unknown>;

const base = (): Json => JSON.parse(readFileSync(join(LOCAL_FIXTURES, 'tokenizer.json'), 'utf8')) as Json;

const byteLevel = (addPrefixSpace = false, useRegex = true): Json => ({
  type: 'ByteLevel',
  add_prefix_space: addPrefixSpace,
  trim_offsets: true,
  use_regex: useRegex,
});

/** GPT-4's (cl100k) pattern, as Llama 3 uses it in a Split pre-tokenizer. */
export const CL100K_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** A small character-level vocabulary with byte fallback, SentencePiece style (Llama 2 shape). */
function charModel(options: Json): Json {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = Object.keys(vocab).length;
  const chars = '▁abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?\'"-éàü';
  for (const c of chars) vocab[c] = Object.keys(vocab).length;
  const merges: [string, string][] = [];
  const add = (a: string, b: string): void => {
    if (vocab[a + b] === undefined) vocab[a + b] = Object.keys(vocab).length;
    merges.push([a, b]);
  };
  add('▁', 't');
  add('h', 'e');
  add('▁t', 'he');
  add('i', 'n');
  add('▁', 'a');
  add('e', 'r');
  add('o', 'n');
  add('▁', 'w');
  add('a', 'n');
  add('an', 'd');
  add('▁', 'and');
  return { type: 'BPE', dropout: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, vocab, merges, ...options };
}

function llama2Like(modelOptions: Json, preTokenizer: Json | null = null): Json {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 2, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: preTokenizer ? null : { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    pre_tokenizer: preTokenizer,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: charModel(modelOptions),
  };
}

function withParts(parts: Json): Json {
  return { ...base(), ...parts };
}

/** The variants, by name. */
export function variants(): Record<string, Json> {
  const v: Record<string, Json> = {};
  for (const form of ['NFC', 'NFD', 'NFKC', 'NFKD']) v[`normalizer ${form}`] = withParts({ normalizer: { type: form } });
  v['normalizer Sequence[NFKC, Lowercase]'] = withParts({ normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] } });
  v['normalizer Lowercase'] = withParts({ normalizer: { type: 'Lowercase' } });
  v['normalizer Prepend + Replace regex'] = withParts({
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '>>' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' _ ' }] },
  });
  v['normalizer NFD + StripAccents + Strip'] = withParts({
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Strip', strip_left: true, strip_right: true }] },
  });
  v['ByteLevel add_prefix_space + ByteLevel post-processor'] = withParts({
    pre_tokenizer: byteLevel(true),
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  });
  v['ByteLevel post-processor trim_offsets'] = withParts({ post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true } });
  v['ByteLevel use_regex false'] = withParts({ pre_tokenizer: byteLevel(false, false) });
  v['Split cl100k + ByteLevel (Llama 3 style, ignore_merges)'] = (() => {
    const j = withParts({
      pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: CL100K_PATTERN }, behavior: 'Isolated', invert: false }, byteLevel(false, false)] },
    });
    (j.model as Json).ignore_merges = true;
    return j;
  })();
  for (const behavior of ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous']) {
    for (const invert of [false, true]) {
      v[`Split regex ${behavior}${invert ? ' inverted' : ''}`] = withParts({
        pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '\\s+|[,.!?]' }, behavior, invert }, byteLevel(false, false)] },
      });
    }
    v[`Split string ${behavior}`] = withParts({
      pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { String: ' ' }, behavior, invert: false }, byteLevel(false, true)] },
    });
  }
  v['Digits individual + ByteLevel'] = withParts({ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel()] } });
  v['Digits runs + ByteLevel'] = withParts({ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: false }, byteLevel(false, false)] } });
  v['Whitespace + ByteLevel'] = withParts({ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Whitespace' }, byteLevel(false, false)] } });
  v['WhitespaceSplit + ByteLevel'] = withParts({ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, byteLevel(true, false)] } });
  v['Punctuation + ByteLevel'] = withParts({ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Punctuation', behavior: 'Isolated' }, byteLevel(false, false)] } });
  v['CharDelimiterSplit + BertPreTokenizer + ByteLevel'] = withParts({
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'CharDelimiterSplit', delimiter: 'e' }, { type: 'BertPreTokenizer' }, byteLevel(false, false)] },
  });
  for (const scheme of ['always', 'first', 'never']) {
    v[`Metaspace ${scheme} + ByteLevel`] = withParts({
      pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Metaspace', replacement: '▁', prepend_scheme: scheme, split: scheme !== 'never' }, byteLevel(false, false)] },
    });
  }
  v['added tokens: lstrip, rstrip, single_word, normalized'] = (() => {
    const j = withParts({ normalizer: { type: 'Lowercase' } });
    j.added_tokens = [
      ...(j.added_tokens as Json[]),
      { id: 4096, content: '<mask>', single_word: false, lstrip: true, rstrip: true, normalized: false, special: true },
      { id: 4097, content: 'ony', single_word: true, lstrip: false, rstrip: false, normalized: true, special: false },
      { id: 4098, content: 'Ship', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
      { id: 4099, content: 'ÉCOLE', single_word: true, lstrip: true, rstrip: false, normalized: false, special: false },
      { id: 100, content: 'the', single_word: false, lstrip: false, rstrip: true, normalized: true, special: true },
      { id: 4100, content: '  ', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
      { id: 4101, content: 'ZZTop', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      { id: 4102, content: 'QQ', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ];
    return j;
  })();
  v['TemplateProcessing BOS/EOS + pair'] = withParts({
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<|endoftext|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|padding|>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|endoftext|>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '<|endoftext|>', type_id: 1 } }],
      special_tokens: {
        '<|endoftext|>': { id: '<|endoftext|>', ids: [0], tokens: ['<|endoftext|>'] },
        '<|padding|>': { id: '<|padding|>', ids: [1], tokens: ['<|padding|>'] },
      },
    },
  });
  v['Sequence post-processor [ByteLevel, Template]'] = withParts({
    pre_tokenizer: byteLevel(true),
    post_processor: {
      type: 'Sequence',
      processors: [
        { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
        {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '<|endoftext|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
          special_tokens: { '<|endoftext|>': { id: '<|endoftext|>', ids: [0], tokens: ['<|endoftext|>'] } },
        },
      ],
    },
  });
  v['RobertaProcessing'] = withParts({
    pre_tokenizer: byteLevel(true),
    post_processor: { type: 'RobertaProcessing', sep: ['<|padding|>', 1], cls: ['<|endoftext|>', 0], trim_offsets: true, add_prefix_space: true },
  });
  v['BertProcessing'] = withParts({ post_processor: { type: 'BertProcessing', sep: ['<|padding|>', 1], cls: ['<|endoftext|>', 0] } });
  // Pairs are not truncated here: for a pair, tokenizers 0.23.2 does not follow its own
  // documented LongestFirst split (see the README), so only single sequences are compared.
  v['truncation + padding (single sequences)'] = withParts({
    truncation: { direction: 'Right', max_length: 12, strategy: 'LongestFirst', stride: 0 },
    padding: { strategy: { Fixed: 16 }, direction: 'Left', pad_to_multiple_of: null, pad_id: 1, pad_type_id: 0, pad_token: '<|padding|>' },
    post_processor: { type: 'BertProcessing', sep: ['<|padding|>', 1], cls: ['<|endoftext|>', 0] },
  });
  v['Llama 2 shape: byte_fallback, Prepend/Replace, decoder chain'] = llama2Like({ byte_fallback: true });
  v['char model: unk_token, no fuse'] = llama2Like({ unk_token: '<unk>' });
  v['char model: unk_token, fuse_unk'] = llama2Like({ unk_token: '<unk>', fuse_unk: true });
  v['char model: Metaspace first (needs offsets)'] = (() => {
    const j = llama2Like({ byte_fallback: true }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true });
    j.decoder = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true };
    return j;
  })();
  v['char model: continuing_subword_prefix + end_of_word_suffix'] = (() => {
    const vocab: Record<string, number> = { '[UNK]': 0 };
    for (const c of 'abcdefghijklmnopqrstuvwxyz') {
      vocab[c] = Object.keys(vocab).length;
      vocab[`##${c}`] = Object.keys(vocab).length;
      vocab[`${c}</w>`] = Object.keys(vocab).length;
      vocab[`##${c}</w>`] = Object.keys(vocab).length;
    }
    const merges: [string, string][] = [];
    for (const [a, b] of [['t', '##h'], ['th', '##e</w>'], ['a', '##n'], ['an', '##d</w>'], ['##i', '##n'], ['##in', '##g</w>']] as const) {
      const merged = a + b.slice(2);
      if (vocab[merged] === undefined) vocab[merged] = Object.keys(vocab).length;
      merges.push([a, b]);
    }
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
      normalizer: { type: 'Lowercase' },
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: { type: 'BPEDecoder', suffix: '</w>' },
      model: { type: 'BPE', dropout: null, unk_token: '[UNK]', continuing_subword_prefix: '##', end_of_word_suffix: '</w>', fuse_unk: true, byte_fallback: false, ignore_merges: false, vocab, merges },
    };
  })();
  return v;
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ...' \u00a0\u3000\u2028\u0085\ufeff\u200b\u180e\t\n\r\x0b\x0c',
  ...".,!?'\"-_()[]{}<>|/\\@#$%^&*+=~`;:",
  ...'éèêëàâäçñöüÉÀÇ',
  'e\u0301',
  'a\u0323\u0307',
  'a\u0307\u0323',
  '\u1100\u1161\u11a8',
  'ﬁ',
  'ẛ\u0323',
  '①',
  'Ⅻ',
  'Ⓐ',
  '²',
  '‿',
  'ʰ',
  '\u200d',
  '１２３',
  '٣٤٥',
  'İ',
  'ß',
  'Σ',
  'ΑΣ',
  '日本語',
  '中文',
  '한국어',
  'Привет',
  '👍🏽',
  '👨\u200d👩\u200d👧',
  '🇺🇸',
  '😀',
  '\ud800',
  "'s",
  "'ll",
  "'RE",
  '<|endoftext|>',
  '<|padding|>',
  '<mask>',
  ' <mask> ',
  'ony',
  ' ony ',
  'the',
  'The',
  'ÉCOLE',
  'zztop',
  'ZZTOP',
  'QQ',
  '   ',
  '▁',
  'and',
  'ing',
];

/** Deterministic random strings covering the alphabet above. */
export function randomTexts(count: number, seed = 1): string[] {
  const random = mulberry32(seed);
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = Math.floor(random() * 24);
    let s = '';
    for (let k = 0; k < length; k++) s += ALPHABET[Math.floor(random() * ALPHABET.length)]!;
    texts.push(s);
  }
  return texts;
}

/** Fixture strings (the hand-written edge cases and some prose) plus random ones. */
export function differentialTexts(): string[] {
  const fixture = readExpected(join(LOCAL_FIXTURES, 'expected.jsonl')).map((l) => l.text);
  return [...fixture.slice(0, 110), ...randomTexts(130)];
}
