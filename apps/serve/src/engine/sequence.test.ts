import { describe, expect, it } from 'vitest';
import { Sequence, type SequenceEvent, type SequenceSpec, type TokenText } from './sequence.js';

// A toy vocabulary: id -> text; id 0 is EOS (no text), id 9 is half of a two-byte character.
const VOCAB = ['', 'Hel', 'lo', ' wor', 'ld', '!', ' <', '|e', 'nd|>', '', 'é'];
const tokens: TokenText = {
  stream: () => {
    let pendingHalf = false;
    return {
      push: (id) => {
        if (id === 9) {
          pendingHalf = true;
          return '';
        }
        const text = (pendingHalf ? '\u00e9' : '') + VOCAB[id]!;
        pendingHalf = false;
        return text;
      },
      flush: () => (pendingHalf ? '\ufffd' : ''),
    };
  },
  tokenText: (id) => VOCAB[id]!,
  tokenBytes: (id) => [...new TextEncoder().encode(VOCAB[id]!)],
};

function run(ids: number[], spec: Partial<SequenceSpec> = {}): { events: SequenceEvent[]; text: string; sequence: Sequence } {
  const events: SequenceEvent[] = [];
  const sequence = new Sequence(
    {
      promptIds: [1],
      maxTokens: 100,
      sampling: { temperature: 0, topP: 1, topK: 0, presencePenalty: 0, frequencyPenalty: 0, repetitionPenalty: 1, logitBias: new Map(), seed: 0 },
      stopIds: [0],
      stopStrings: [],
      topLogprobs: 1,
      ...spec,
    },
    tokens,
    (e) => events.push(e),
    VOCAB.length,
  );
  for (const id of ids) {
    if (sequence.done) break;
    sequence.accept({ id, logprob: -1, top: [{ id, logprob: -1 }] });
  }
  const text = events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
  return { events, text, sequence };
}

describe('Sequence', () => {
  it('streams text token by token and stops at max tokens', () => {
    const { events, text } = run([1, 2, 3, 4, 5], { maxTokens: 4 });
    expect(text).toBe('Hello world');
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'length', completionTokens: 4 });
  });

  it('ends at a stop id without adding its text', () => {
    const { events, text } = run([1, 2, 0, 3]);
    expect(text).toBe('Hello');
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop', completionTokens: 3 });
  });

  it('holds back a possible stop string across tokens and cuts it', () => {
    const { events, text } = run([1, 2, 6, 7, 8, 3], { stopStrings: ['<|end|>'] });
    expect(text).toBe('Hello ');
    // ' <' and '|e' were held back until the stop matched; nothing after it was sent.
    expect(events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text)).toEqual(['Hel', 'lo', ' ']);
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'stop' });
    // Logprobs cover the tokens whose text was sent (' <' starts before the cut).
    const logprobIds = events.flatMap((e) => (e.type === 'delta' ? e.logprobs.map((l) => l.id) : []));
    expect(logprobIds).toEqual([1, 2, 6]);
  });

  it('releases held-back text when the stop string does not follow', () => {
    const { text } = run([1, 6, 5], { stopStrings: ['<|end|>'], maxTokens: 3 });
    expect(text).toBe('Hel <!');
  });

  it('waits for a character split across tokens', () => {
    const { events, text } = run([1, 9, 10, 5], { maxTokens: 4 });
    expect(text).toBe('Heléé!');
    const deltas = events.filter((e) => e.type === 'delta');
    // The half character adds no text; its logprob entry goes out with the completed character.
    expect(deltas.map((e) => (e.type === 'delta' ? e.logprobs.map((l) => l.id) : []))).toEqual([[1], [9, 10], [5]]);
  });

  it('flushes an incomplete character at the end', () => {
    const { text, events } = run([1, 9], { maxTokens: 2 });
    expect(text).toBe('Hel\ufffd');
    expect(events.flatMap((e) => (e.type === 'delta' ? e.logprobs.map((l) => l.id) : []))).toEqual([1, 9]);
  });
});
