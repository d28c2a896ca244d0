import { describe, expect, it } from 'vitest';
import { NormalizedString } from './normalized-string.js';
import {
  ByteLevelNormalizer,
  LowercaseNormalizer,
  PrependNormalizer,
  ReplaceNormalizer,
  SequenceNormalizer,
  StripAccentsNormalizer,
  StripNormalizer,
  UnicodeNormalizer,
  type Normalizer,
} from './normalizers.js';
import { Pattern } from './pattern.js';

const samples = ['', 'Hello World', 'e\u0301cole', 'ÉCOLE', 'ﬁ ① ¹', '\u1100\u1161\u11a8', 'a\u0307\u0323b', '  pad  ', 'ΟΔΟΣ', 'İstanbul', '😀 x'];

function both(n: Normalizer, text: string): { fast: string; tracked: NormalizedString } {
  const tracked = NormalizedString.from(text);
  n.normalize(tracked);
  return { fast: n.normalizeString(text), tracked };
}

describe('normalizers', () => {
  const all: Normalizer[] = [
    new UnicodeNormalizer('NFC'),
    new UnicodeNormalizer('NFD'),
    new UnicodeNormalizer('NFKC'),
    new UnicodeNormalizer('NFKD'),
    new LowercaseNormalizer(),
    new PrependNormalizer('▁'),
    new ReplaceNormalizer(Pattern.string(' '), '▁'),
    new ReplaceNormalizer(Pattern.regex('\\s+'), ' '),
    new StripNormalizer(true, true),
    new StripNormalizer(false, true),
    new StripAccentsNormalizer(),
    new ByteLevelNormalizer(),
    new SequenceNormalizer([new UnicodeNormalizer('NFD'), new StripAccentsNormalizer(), new LowercaseNormalizer()]),
  ];

  it('give the same text on the fast and the offset-tracking paths', () => {
    for (const n of all) {
      for (const text of samples) {
        const { fast, tracked } = both(n, text);
        expect(tracked.normalized, `${n.type} on ${JSON.stringify(text)}`).toBe(fast);
        expect(tracked.alignments.length).toBe(2 * fast.length);
      }
    }
  });

  it('normalize as expected', () => {
    expect(new UnicodeNormalizer('NFC').normalizeString('e\u0301')).toBe('é');
    expect(new UnicodeNormalizer('NFKC').normalizeString('ﬁ①')).toBe('fi1');
    expect(new LowercaseNormalizer().normalizeString('ΟΔΟΣ')).toBe('οδοσ');
    expect(new PrependNormalizer('▁').normalizeString('')).toBe('');
    expect(new StripAccentsNormalizer().normalizeString('e\u0301')).toBe('e');
    expect(new SequenceNormalizer([new UnicodeNormalizer('NFKC'), new LowercaseNormalizer()]).normalizeString('Ａ')).toBe('a');
  });

  it('align composed characters with their starter (as the Rust crate does)', () => {
    const { tracked } = both(new UnicodeNormalizer('NFC'), 'a\u0323\u0307b');
    expect(tracked.normalized).toBe('ạ\u0307b');
    expect(tracked.toOriginal(0, 1)).toEqual([0, 1]);
    expect(tracked.toOriginal(1, 2)).toEqual([2, 3]);
    expect(tracked.toOriginal(2, 3)).toEqual([3, 4]);
    const hangul = both(new UnicodeNormalizer('NFC'), '\u1100\u1161\u11a8 x').tracked;
    expect(hangul.toOriginal(0, 1)).toEqual([0, 1]);
    expect(hangul.toOriginal(1, 2)).toEqual([3, 4]);
  });

  it('serialize to tokenizer.json objects', () => {
    expect(new UnicodeNormalizer('NFKC').toJSON()).toEqual({ type: 'NFKC' });
    expect(new StripNormalizer(true, false).toJSON()).toEqual({ type: 'Strip', strip_left: true, strip_right: false });
    expect(new ReplaceNormalizer(Pattern.string(' '), '▁').toJSON()).toEqual({ type: 'Replace', pattern: { String: ' ' }, content: '▁' });
  });
});
