import { describe, expect, it } from 'vitest';
import { Pattern } from './pattern.js';

describe('Pattern', () => {
  it('covers the text with matched and unmatched spans', () => {
    expect(Pattern.string('-').findMatches('the-final--countdown')).toEqual([
      [0, 3, false],
      [3, 4, true],
      [4, 9, false],
      [9, 10, true],
      [10, 11, true],
      [11, 20, false],
    ]);
    expect(Pattern.regex('\\s+').findMatches('')).toEqual([[0, 0, false]]);
    expect(Pattern.string('a.b').findMatches('axb a.b')).toEqual([
      [0, 4, false],
      [4, 7, true],
    ]);
  });

  it('skips an empty match right after a match, as Oniguruma does', () => {
    const starts: [number, number][] = [];
    Pattern.regex('a*').forEachMatch('baa', (s, e) => starts.push([s, e]));
    expect(starts).toEqual([
      [0, 0],
      [1, 3],
    ]);
  });

  it('round-trips to tokenizer.json form', () => {
    expect(Pattern.string(' ').toJSON()).toEqual({ String: ' ' });
    expect(Pattern.regex('\\s+').toJSON()).toEqual({ Regex: '\\s+' });
  });
});
