import { describe, expect, it } from 'vitest';
import { BpeModel } from './bpe-model.js';
import { TokenizerConfigError, TokenizerInputError } from './errors.js';

const vocab = { '<unk>': 0, a: 1, b: 2, c: 3, ab: 4, abc: 5, '<0x64>': 6, '<0xC3>': 7, '<0xA9>': 8 };

describe('BpeModel', () => {
  it('merges by rank and reports offsets', () => {
    const m = new BpeModel({ vocab, merges: [['a', 'b'], 'ab c'] });
    expect(m.tokenize('abc')).toEqual([{ id: 5, value: 'abc', start: 0, end: 3 }]);
    expect(m.tokenize('cab').map((t) => t.value)).toEqual(['c', 'ab']);
    const out: number[] = [];
    m.tokenizeInto('xcabx', 1, 4, false, out);
    m.tokenizeInto('xcabx', 1, 4, false, out); // cached
    expect(out).toEqual([3, 4, 3, 4]);
    expect(m.rankOf(1, 2)).toBe(0);
    expect(m.rankOf(2, 1)).toBe(-1);
    expect(m.vocabSize).toBe(9);
  });

  it('drops unknown characters without unk, or maps them to unk (fused or not)', () => {
    expect(new BpeModel({ vocab, merges: [] }).tokenize('axb').map((t) => t.id)).toEqual([1, 2]);
    const unk = new BpeModel({ vocab, merges: [], unkToken: '<unk>' });
    expect(unk.tokenize('axxb')).toEqual([
      { id: 1, value: 'a', start: 0, end: 1 },
      { id: 0, value: '<unk>', start: 1, end: 2 },
      { id: 0, value: '<unk>', start: 2, end: 3 },
      { id: 2, value: 'b', start: 3, end: 4 },
    ]);
    const fused = new BpeModel({ vocab, merges: [], unkToken: '<unk>', fuseUnk: true });
    expect(fused.tokenize('axxb').map((t) => [t.id, t.start, t.end])).toEqual([
      [1, 0, 1],
      [0, 1, 3],
      [2, 3, 4],
    ]);
    expect(() => new BpeModel({ vocab, merges: [], unkToken: '<nope>' }).tokenize('x')).toThrow(TokenizerInputError);
  });

  it('falls back to <0xXX> byte tokens, each carrying the character span', () => {
    const m = new BpeModel({ vocab, merges: [], byteFallback: true, unkToken: '<unk>' });
    expect(m.tokenize('éd').map((t) => [t.value, t.start, t.end])).toEqual([
      ['<0xC3>', 0, 1],
      ['<0xA9>', 0, 1],
      ['<0x64>', 1, 2],
    ]);
    expect(m.tokenize('ü').map((t) => t.value)).toEqual(['<unk>']);
  });

  it('applies continuing_subword_prefix, end_of_word_suffix and ignore_merges', () => {
    const v = { h: 0, '##i': 1, '##i</w>': 2, hi: 3, 'hi</w>': 4, '##x</w>': 5 };
    const m = new BpeModel({ vocab: v, merges: [['h', '##i'], ['h', '##i</w>']], continuingSubwordPrefix: '##', endOfWordSuffix: '</w>' });
    expect(m.tokenize('hi').map((t) => t.value)).toEqual(['hi</w>']);
    expect(m.tokenize('hix').map((t) => t.value)).toEqual(['hi', '##x</w>']);
    const ignore = new BpeModel({ vocab: { a: 0, b: 1, ab: 2, ba: 3 }, merges: [['a', 'b']], ignoreMerges: true });
    expect(ignore.tokenize('ba').map((t) => t.value)).toEqual(['ba']);
  });

  it('rejects merges outside the vocabulary, naming the merge', () => {
    expect(() => new BpeModel({ vocab, merges: [['a', 'z']] })).toThrow(/model\.merges\[0\].*"z"/s);
    expect(() => new BpeModel({ vocab, merges: ['a b c'] })).toThrow(TokenizerConfigError);
  });

  it('round-trips its tokenizer.json object', () => {
    const m = new BpeModel({ vocab, merges: ['a b'], unkToken: '<unk>', dropout: 0.1 });
    const json = m.toJSON();
    expect(json.merges).toEqual([['a', 'b']]);
    expect(Object.values(json.vocab as object)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(json.dropout).toBe(0.1);
  });
});
