import { describe, expect, it } from 'vitest';
import { Pattern } from './pattern.js';
import { PreTokenizedString, splitSpans } from './pre-tokenized-string.js';
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
} from './pre-tokenizers.js';

/** Pieces from the fast path and [piece, original offsets] from the tracking path. */
function run(p: PreTokenizer, text: string): { fast: string[]; tracked: [string, [number, number]][] } {
  const fast: string[] = [];
  p.preTokenizeString(text, (t, s, e) => fast.push(t.slice(s, e)), false);
  const pts = PreTokenizedString.from(text);
  p.preTokenize(pts);
  return { fast, tracked: pts.splits.map((s) => [s.normalized.normalized, s.normalized.offsetsOriginal()]) };
}

function pieces(p: PreTokenizer, text: string): string[] {
  const { fast, tracked } = run(p, text);
  expect(tracked.map(([s]) => s), `${p.type} fast/tracked on ${JSON.stringify(text)}`).toEqual(fast);
  return fast;
}

describe('pre-tokenizers', () => {
  it('ByteLevel splits with the GPT-2 pattern and maps bytes', () => {
    const p = new ByteLevelPreTokenizer({ addPrefixSpace: false });
    expect(pieces(p, 'Hello my friend, how?')).toEqual(['Hello', 'Ġmy', 'Ġfriend', ',', 'Ġhow', '?']);
    expect(run(p, 'i⭢j').tracked).toEqual([
      ['i', [0, 1]],
      ['âŃ¢', [1, 2]],
      ['j', [2, 3]],
    ]);
    const prefixed = new ByteLevelPreTokenizer({ addPrefixSpace: true });
    expect(pieces(prefixed, 'Hello')).toEqual(['ĠHello']);
    expect(run(prefixed, 'Hello').tracked).toEqual([['ĠHello', [0, 5]]]);
    expect(pieces(new ByteLevelPreTokenizer({ addPrefixSpace: false, useRegex: false }), 'a b')).toEqual(['aĠb']);
    const raw: string[] = [];
    p.preTokenizeString('a é', (t, s, e) => raw.push(t.slice(s, e)), true);
    expect(raw).toEqual(['a', ' é']);
    expect(p.endsWithByteLevel()).toBe(true);
  });

  it('Split honours every behaviour (the-final--countdown)', () => {
    const spans = Pattern.string('-').findMatches('the-final--countdown');
    const text = 'the-final--countdown';
    const cut = (b: Parameters<typeof splitSpans>[1]): string[] => splitSpans(spans, b).map(([s, e]) => text.slice(s, e));
    expect(cut('Removed')).toEqual(['the', 'final', 'countdown']);
    expect(cut('Isolated')).toEqual(['the', '-', 'final', '-', '-', 'countdown']);
    expect(cut('MergedWithPrevious')).toEqual(['the-', 'final-', '-', 'countdown']);
    expect(cut('MergedWithNext')).toEqual(['the', '-final', '-', '-countdown']);
    expect(cut('Contiguous')).toEqual(['the', '-', 'final', '--', 'countdown']);
    expect(pieces(new SplitPreTokenizer(Pattern.regex('\\s+'), 'Removed', false), 'How are  you')).toEqual(['How', 'are', 'you']);
    expect(pieces(new SplitPreTokenizer(Pattern.regex('\\w+'), 'Removed', true), 'How are  you')).toEqual(['How', 'are', 'you']);
    expect(pieces(new SplitPreTokenizer(Pattern.regex('\\p{N}{1,3}'), 'Isolated', false), 'a12345b')).toEqual(['a', '123', '45', 'b']);
  });

  it('Whitespace, WhitespaceSplit, Digits, Punctuation, CharDelimiterSplit, Bert', () => {
    expect(pieces(new WhitespacePreTokenizer(), 'Hey friend!     How are you?!?')).toEqual(['Hey', 'friend', '!', 'How', 'are', 'you', '?!?']);
    expect(pieces(new WhitespaceSplitPreTokenizer(), 'Hey friend!\u0085 x')).toEqual(['Hey', 'friend!', 'x']);
    expect(pieces(new DigitsPreTokenizer(false), 'Hey 123 friend!')).toEqual(['Hey ', '123', ' friend!']);
    expect(pieces(new DigitsPreTokenizer(true), 'Hey 123 friend!')).toEqual(['Hey ', '1', '2', '3', ' friend!']);
    expect(pieces(new PunctuationPreTokenizer('Isolated'), 'Hey friend!     How are you?!?')).toEqual(['Hey friend', '!', '     How are you', '?', '!', '?']);
    expect(pieces(new CharDelimiterSplitPreTokenizer('|'), 'a|b||c')).toEqual(['a', 'b', 'c']);
    expect(pieces(new BertPreTokenizer(), 'Hey, you!')).toEqual(['Hey', ',', 'you', '!']);
  });

  it('Metaspace prepends and splits on ▁', () => {
    const always = new MetaspacePreTokenizer('▁', 'always', true);
    expect(pieces(always, 'Hey friend!')).toEqual(['▁Hey', '▁friend!']);
    expect(run(always, 'Hey friend!').tracked).toEqual([
      ['▁Hey', [0, 3]],
      ['▁friend!', [3, 11]],
    ]);
    expect(pieces(new MetaspacePreTokenizer('▁', 'never', false), 'Hey friend')).toEqual(['Hey▁friend']);
    const first = new MetaspacePreTokenizer('▁', 'first', true);
    expect(first.needsOffsets).toBe(true);
    expect(run(first, 'Hey').tracked).toEqual([['▁Hey', [0, 3]]]);
  });

  it('Sequence chains steps and passes rawBytes to the last', () => {
    const p = new SequencePreTokenizer([new DigitsPreTokenizer(true), new ByteLevelPreTokenizer({ addPrefixSpace: false })]);
    expect(pieces(p, 'a 12')).toEqual(['a', 'Ġ', '1', '2']);
    expect(p.endsWithByteLevel()).toBe(true);
    expect(new SequencePreTokenizer([]).endsWithByteLevel()).toBe(false);
    expect(p.toJSON()).toEqual({
      type: 'Sequence',
      pretokenizers: [
        { type: 'Digits', individual_digits: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    });
  });
});
