import { describe, expect, it } from 'vitest';
import { AddedVocabulary, type AddedToken } from './added-vocabulary.js';
import { BpeModel } from './bpe-model.js';
import { LowercaseNormalizer } from './normalizers.js';

const model = new BpeModel({ vocab: { test: 0, tost: 1 }, merges: [] });

function splits(vocab: AddedVocabulary, text: string, normalized: boolean): [string, number][] {
  return vocab.findMatches(text, normalized).map(([id, s, e]) => [text.slice(s, e), id]);
}

describe('AddedVocabulary', () => {
  it('assigns ids as Hugging Face does: vocabulary ids first, then the next free id', () => {
    const tokens: AddedToken[] = [
      { content: 'added_token_1', special: false, id: 99 },
      { content: 'test', special: true },
      { content: 'added_token_2', special: true },
      { content: 'added_token_2', special: true },
      { content: '', special: true },
    ];
    const v = new AddedVocabulary(tokens, model, null);
    expect(v.tokenToId('added_token_1')).toBe(2);
    expect(v.tokenToId('test')).toBe(0);
    expect(v.tokenToId('added_token_2')).toBe(3);
    expect(v.size).toBe(3);
    expect(v.isSpecial('test')).toBe(true);
    expect(v.isSpecial('added_token_1')).toBe(false);
  });

  it('extracts special and normal tokens, leftmost-longest', () => {
    const v = new AddedVocabulary(
      [
        { content: 'my', normalized: false },
        { content: 'name', normalized: false },
        { content: '[CLS]', special: true },
        { content: '[SEP]', special: true },
        { content: '[SEP][SEP]', special: true },
      ],
      model,
      null,
    );
    expect(splits(v, '[CLS] My name is Anthony [SEP][SEP] [SEP]', false)).toEqual([
      ['[CLS]', 4],
      [' My ', -1],
      ['name', 3],
      [' is Anthony ', -1],
      ['[SEP][SEP]', 6],
      [' ', -1],
      ['[SEP]', 5],
    ]);
    expect(splits(v, '', false)).toEqual([['', -1]]);
  });

  it('honours lstrip, rstrip, single_word and normalized (Hugging Face options_use_cases)', () => {
    const lower = new LowercaseNormalizer();
    const v = new AddedVocabulary(
      [
        { content: 'my', lstrip: true, rstrip: true },
        { content: 'name' },
        { content: 'ony', singleWord: true },
        { content: '[CLS]', special: true },
        { content: '[SEP]', special: true },
      ],
      model,
      lower,
    );
    const raw = splits(v, '[CLS] My name is Anthony [SEP]', false);
    expect(raw).toEqual([
      ['[CLS]', 5],
      [' My name is Anthony ', -1],
      ['[SEP]', 6],
    ]);
    expect(splits(v, lower.normalizeString(' My name is Anthony '), true)).toEqual([
      [' my ', 2],
      ['name', 3],
      [' is anthony ', -1],
    ]);
  });

  it('matches single_word tokens only between non-word characters', () => {
    const v = new AddedVocabulary([{ content: '<mask>', singleWord: true }], model, null);
    expect(splits(v, '<mask> My name <mask> A<mask> <mask>ony <mask>', true)).toEqual([
      ['<mask>', 2],
      [' My name ', -1],
      ['<mask>', 2],
      [' A<mask> <mask>ony ', -1],
      ['<mask>', 2],
    ]);
    expect(splits(v, '<mask>, <mask>- \u25cc\u0330<mask>', true).map(([s]) => s)).toEqual(['<mask>', ', ', '<mask>', '- \u25cc\u0330<mask>']);
  });

  it('strips Unicode whitespace without overlapping a previous match', () => {
    const v = new AddedVocabulary([{ content: '<mask>', lstrip: true, rstrip: true, singleWord: true }], model, null);
    expect(splits(v, 'Hi <mask> there\t<mask>\t<mask>\u2000', true)).toEqual([
      ['Hi', -1],
      [' <mask> ', 2],
      ['there', -1],
      ['\t<mask>\t', 2],
      ['<mask>\u2000', 2],
    ]);
  });

  it('decodes normalized tokens in their normalized form', () => {
    const v = new AddedVocabulary([{ content: 'Ship', normalized: true }], model, new LowercaseNormalizer());
    expect(v.token(v.tokenToId('Ship')!)?.text).toBe('ship');
  });
});
