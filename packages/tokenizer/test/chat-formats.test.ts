import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MPT_CHAT_SYSTEM_PROMPT, MPT_INSTRUCT_PREAMBLE, encodeSegments, formatChatML, formatInstruct } from '../src/chat-formats.js';
import { TokenizerInputError } from '../src/errors.js';
import { Tokenizer } from '../src/tokenizer.js';
import { HAS_NEOX, LOCAL_FIXTURES, neox, sotu } from './fixtures.js';

/** The SOTU tokenizer with ChatML markers registered as special added tokens (as chat models do). */
function withChatTokens(): Tokenizer {
  const json = JSON.parse(readFileSync(join(LOCAL_FIXTURES, 'tokenizer.json'), 'utf8')) as { added_tokens: object[] };
  for (const [id, content] of [
    [4096, '<|im_start|>'],
    [4097, '<|im_end|>'],
  ] as const) {
    json.added_tokens.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  }
  return Tokenizer.fromJSON(json, { tokenizerConfig: { eos_token: '<|im_end|>' } });
}

const conversation = [
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: 'It is 4.' },
  { role: 'user', content: 'And 3+3?' },
  { role: 'assistant', content: 'Six.' },
];

/** The decoded text of the trained tokens. */
function trained(t: Tokenizer, ids: number[], mask: number[]): string {
  return t.decode(ids.filter((_, i) => mask[i] === 1));
}

describe('ChatML', () => {
  it('formats MPT-7B-Chat style and masks exactly the assistant replies', () => {
    const t = withChatTokens();
    const { ids, lossMask, text } = formatChatML(t, conversation);
    expect(text).toBe(
      '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\nIt is 4.<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\nSix.<|im_end|>\n',
    );
    expect(ids.length).toBe(lossMask.length);
    expect(t.decode(ids)).toBe(text);
    expect(trained(t, ids, lossMask)).toBe('It is 4.<|im_end|>\nSix.<|im_end|>\n');
    // With the markers as added tokens, joined tokenization equals the segment tokenization.
    expect(ids).toEqual(t.encode(text, { addSpecialTokens: false }).ids);
    expect(ids.filter((id) => id === 4096).length).toBe(4);
    expect(lossMask.filter((m, i) => m === 1 && ids[i] === 4096)).toEqual([]);
  });

  it('adds a default system prompt, a generation prompt and the no-newline variant', () => {
    const t = withChatTokens();
    const prompt = formatChatML(t, conversation.slice(0, 1), { defaultSystemPrompt: MPT_CHAT_SYSTEM_PROMPT, addGenerationPrompt: true });
    expect(prompt.text).toBe(`<|im_start|>system\n${MPT_CHAT_SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n`);
    expect(prompt.lossMask.every((m) => m === 0)).toBe(true);
    const space = formatChatML(t, conversation.slice(0, 2), { separator: '' });
    expect(space.text).toBe('<|im_start|>user\nWhat is 2+2?<|im_end|><|im_start|>assistant\nIt is 4.<|im_end|>');
    expect(trained(t, space.ids, space.lossMask)).toBe('It is 4.<|im_end|>');
    expect(() => formatChatML(t, [{ role: 'user', content: 3 as unknown as string }])).toThrow(TokenizerInputError);
  });

  it('works when the markers are plain text (the NeoX vocabulary has no ChatML tokens)', () => {
    const t = sotu();
    const { ids, lossMask, text } = formatChatML(t, conversation);
    expect(t.decode(ids)).toBe(text);
    expect(trained(t, ids, lossMask)).toBe('It is 4.<|im_end|>\nSix.<|im_end|>\n');
  });
});

describe('MPT-7B-Instruct', () => {
  it('uses the model-card template and trains the response plus EOS', () => {
    const t = sotu();
    const { ids, lossMask, text } = formatInstruct(t, { instruction: 'Name a color.', response: 'Blue.' });
    expect(text).toBe(`${MPT_INSTRUCT_PREAMBLE}\n### Instruction:\nName a color.\n### Response:\nBlue.<|endoftext|>`);
    expect(ids[ids.length - 1]).toBe(0);
    expect(trained(t, ids, lossMask)).toBe('Blue.<|endoftext|>');
    expect(t.decode(ids)).toBe(text);
  });

  it('has the llm-foundry variant, a prompt-only form and a configurable EOS', () => {
    const t = sotu();
    expect(formatInstruct(t, { instruction: 'x' }, { variant: 'llm-foundry' }).text).toBe(`${MPT_INSTRUCT_PREAMBLE}\n\n### Instruction:\nx\n\n### Response:\n`);
    const prompt = formatInstruct(t, { instruction: 'x' });
    expect(prompt.lossMask.every((m) => m === 0)).toBe(true);
    expect(formatInstruct(t, { instruction: 'x', response: 'y' }, { appendEos: false }).text.endsWith('y')).toBe(true);
    expect(() => formatInstruct(t, { instruction: 'x', response: 'y' }, { eosToken: '</s>' })).toThrow(TokenizerInputError);
  });

  it.skipIf(!HAS_NEOX)('tokenizes the prompt with the MPT (NeoX) tokenizer', () => {
    const t = neox();
    const { ids, lossMask } = formatInstruct(t, { instruction: 'Say hi.', response: 'Hi!' });
    expect(ids[ids.length - 1]).toBe(0);
    expect(t.decode(ids.filter((_, i) => lossMask[i] === 1))).toBe('Hi!<|endoftext|>');
  });
});

describe('encodeSegments', () => {
  it('merges neighbouring segments with the same flag and skips empty ones', () => {
    const t = sotu();
    const r = encodeSegments(t, [
      { text: 'Q: ', trained: false },
      { text: '', trained: true },
      { text: 'why?', trained: false },
      { text: ' Because.', trained: true },
    ]);
    expect(r.text).toBe('Q: why? Because.');
    expect(trained(t, r.ids, r.lossMask)).toBe(' Because.');
  });
});
