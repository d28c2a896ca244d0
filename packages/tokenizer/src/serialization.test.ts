import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenizerConfigError, TokenizerError } from './errors.js';
import { Tokenizer } from './tokenizer.js';

const base = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'train-small', 'tokenizer.json'), 'utf8')) as Record<string, unknown>;

function configError(json: unknown): TokenizerConfigError {
  try {
    Tokenizer.fromJSON(json as object);
  } catch (e) {
    if (TokenizerConfigError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a TokenizerConfigError');
}

describe('tokenizer.json errors', () => {
  it('names the type and JSON path of an unsupported component', () => {
    const json = base();
    json.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'ByteLevel' }, { type: 'UnicodeScripts' }] };
    const e = configError(json);
    expect(e.path).toBe('pre_tokenizer.pretokenizers[1]');
    expect(e.component).toBe('UnicodeScripts');
    expect(e.message).toContain('pre_tokenizer.pretokenizers[1]');
    expect(e.hint).toContain('ByteLevel');
    expect(TokenizerError.isInstance(e)).toBe(true);

    for (const [key, value, path, component] of [
      ['normalizer', { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Precompiled', precompiled_charsmap: '' }] }, 'normalizer.normalizers[1]', 'Precompiled'],
      ['post_processor', { type: 'Sequence', processors: [{ type: 'Weird' }] }, 'post_processor.processors[0]', 'Weird'],
      ['decoder', { type: 'WordPiece', prefix: '##' }, 'decoder', 'WordPiece'],
      ['model', { type: 'Unigram', vocab: [] }, 'model', 'Unigram'],
    ] as const) {
      const j = base();
      j[key] = value;
      const err = configError(j);
      expect(err.path, key).toBe(path);
      expect(err.component, key).toBe(component);
    }
  });

  it('says what is wrong with bad JSON', () => {
    expect(configError('{"version": "1.0",').message).toMatch(/not valid JSON/);
    expect(configError('[1, 2]').message).toMatch(/expected an object, got an array/);
    const noModel = base();
    delete noModel.model;
    expect(configError(noModel).path).toBe('model');
    const badVersion = base();
    badVersion.version = '2.0';
    expect(configError(badVersion).path).toBe('version');
    const badVocab = base();
    (badVocab.model as { vocab: Record<string, unknown> }).vocab.a = 'x';
    expect(configError(badVocab).message).toMatch(/model\.vocab\.a \(BPE\): expected a non-negative integer id, got the string "x"/);
    const badMerge = base();
    (badMerge.model as { merges: unknown[] }).merges[3] = ['a', 'no such token'];
    expect(configError(badMerge).path).toBe('model.merges[3]');
    const badAdded = base();
    (badAdded.added_tokens as Record<string, unknown>[])[1]!.special = 'yes';
    expect(configError(badAdded).path).toBe('added_tokens[1].special');
    const badSplit = base();
    badSplit.pre_tokenizer = { type: 'Split', pattern: { Regex: '(?>a)' }, behavior: 'Isolated', invert: false };
    expect(configError(badSplit).path).toBe('pre_tokenizer.pattern.Regex');
    const badBehavior = base();
    badBehavior.pre_tokenizer = { type: 'Split', pattern: { String: ' ' }, behavior: 'Sideways', invert: false };
    expect(configError(badBehavior).message).toMatch(/pre_tokenizer\.behavior.*Sideways/);
    const badTemplate = base();
    badTemplate.post_processor = { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }], pair: [], special_tokens: {} };
    expect(configError(badTemplate).path).toBe('post_processor.single[0].SpecialToken.id');
    expect(configError({ version: '1.0', model: 3 }).message).toMatch(/at model: expected an object, got number 3/);
  });

  it('accepts a string, bytes or an ArrayBuffer', () => {
    const text = JSON.stringify(base());
    const bytes = new TextEncoder().encode(text);
    for (const input of [text, bytes, bytes.buffer.slice(0) as ArrayBuffer, base()]) {
      expect(Tokenizer.fromJSON(input).encode('Call me Ishmael.').ids.length).toBeGreaterThan(0);
    }
  });
});
