import { describe, expect, it } from 'vitest';
import { BertProcessing, ByteLevelPostProcessor, RobertaProcessing, SequenceProcessor, TemplateProcessing, trimOffsets, type EncodingPart } from './post-processors.js';

const part = (ids: number[], tokens: string[], offsets: [number, number][], typeId = 0): EncodingPart => ({
  ids,
  tokens,
  offsets,
  typeIds: ids.map(() => typeId),
  specialTokensMask: ids.map(() => 0),
});

const bert = TemplateProcessing.fromTemplates('[CLS] $0 [SEP]', '[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1', [
  { id: '[CLS]', ids: [1], tokens: ['[CLS]'] },
  { id: '[SEP]', ids: [0], tokens: ['[SEP]'] },
]);

describe('post-processors', () => {
  it('TemplateProcessing adds special tokens for one sequence and a pair', () => {
    const [single] = [bert.process([part([12, 14], ['Hello', 'there'], [[0, 5], [6, 11]])], true)];
    expect(single.flatMap((p) => p.ids)).toEqual([1, 12, 14, 0]);
    expect(single.flatMap((p) => p.offsets)).toEqual([[0, 0], [0, 5], [6, 11], [0, 0]]);
    expect(single.flatMap((p) => p.specialTokensMask)).toEqual([1, 0, 0, 1]);
    const pair = bert.process([part([12, 14], ['Hello', 'there'], [[0, 5], [6, 11]]), part([15], ['pair'], [[0, 4]], 1)], true);
    expect(pair.flatMap((p) => p.ids)).toEqual([1, 12, 14, 0, 15, 0]);
    expect(pair.flatMap((p) => p.typeIds)).toEqual([0, 0, 0, 0, 1, 1]);
    expect(bert.process([part([12], ['Hello'], [[0, 5]])], false).flatMap((p) => p.ids)).toEqual([12]);
    expect(bert.addedTokens(false)).toBe(2);
    expect(bert.addedTokens(true)).toBe(3);
    // ids-only parts (the fast path) work too.
    expect(bert.process([{ ids: [7] }], true).flatMap((p) => p.ids)).toEqual([1, 7, 0]);
  });

  it('ByteLevel trims spaces from offsets, keeping an added prefix space', () => {
    const p = part([1, 2, 3], ['ĠHello', 'Ġ', 'there'], [[0, 6], [6, 7], [7, 12]]);
    trimOffsets(p, false);
    expect(p.offsets).toEqual([[1, 6], [7, 7], [7, 12]]);
    const q = part([1], ['ĠHello'], [[0, 6]]);
    new ByteLevelPostProcessor({ addPrefixSpace: true, trimOffsets: true }).process([q]);
    expect(q.offsets).toEqual([[0, 6]]);
  });

  it('Bert and Roberta processing', () => {
    const a = (): EncodingPart => part([5], ['a'], [[0, 1]]);
    const b = (): EncodingPart => part([6], ['b'], [[0, 1]], 1);
    expect(new BertProcessing(['[SEP]', 102], ['[CLS]', 101]).process([a(), b()], true).flatMap((p) => p.typeIds)).toEqual([0, 0, 0, 1, 1]);
    const roberta = new RobertaProcessing(['</s>', 2], ['<s>', 0]).process([a(), b()], true);
    expect(roberta.flatMap((p) => p.ids)).toEqual([0, 5, 2, 2, 6, 2]);
    expect(roberta.flatMap((p) => p.typeIds)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('Sequence applies processors in order and serializes', () => {
    const seq = new SequenceProcessor([new ByteLevelPostProcessor({ trimOffsets: false }), bert]);
    expect(seq.process([{ ids: [9] }], true).flatMap((p) => p.ids)).toEqual([1, 9, 0]);
    expect(seq.addedTokens(false)).toBe(2);
    expect((seq.toJSON().processors as unknown[]).length).toBe(2);
    expect(bert.toJSON().single).toEqual([
      { SpecialToken: { id: '[CLS]', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } },
    ]);
  });
});
