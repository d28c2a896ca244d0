/**
 * Supervised fine-tuning formats: a conversation or an instruction becomes `ids` plus a
 * `lossMask` that is 1 on the tokens the model should learn to produce (the assistant's
 * replies and their end markers) and 0 on the prompt.
 *
 * As in llm-foundry, prompt and response segments are tokenized separately and concatenated,
 * so a mask boundary is always a token boundary. (Tokenizing the joined text can differ where a
 * boundary falls inside a pre-token, e.g. `Hi!<|im_end|>` when `<|im_end|>` is not an added token.)
 *
 * @example
 * ```ts
 * const { ids, lossMask } = formatChatML(tokenizer, [
 *   { role: 'user', content: 'Hi' },
 *   { role: 'assistant', content: 'Hello!' },
 * ]);
 * ```
 */
import type { ChatMessage } from './chat-template.js';
import { TokenizerInputError } from './errors.js';
import type { Tokenizer } from './tokenizer.js';

/** Token ids with the mask of trained positions. */
export interface FormattedExample {
  ids: number[];
  /** 1 where the token is part of an assistant reply (trained), 0 elsewhere. */
  lossMask: number[];
  /** The formatted text. */
  text: string;
}

/** A run of text and whether it is trained. */
export interface Segment {
  text: string;
  trained: boolean;
}

/**
 * Tokenizes segments separately (no special tokens added) and builds the mask.
 *
 * @example
 * ```ts
 * encodeSegments(tokenizer, [{ text: 'Q: 2+2?\nA: ', trained: false }, { text: '4', trained: true }]);
 * ```
 */
export function encodeSegments(tokenizer: Tokenizer, segments: readonly Segment[]): FormattedExample {
  const ids: number[] = [];
  const lossMask: number[] = [];
  let text = '';
  // Join neighbours with the same flag so only real boundaries split tokenization.
  const merged: Segment[] = [];
  for (const s of segments) {
    const last = merged[merged.length - 1];
    if (last && last.trained === s.trained) last.text += s.text;
    else if (s.text.length > 0) merged.push({ ...s });
  }
  for (const s of merged) {
    const segmentIds = tokenizer.encode(s.text, { addSpecialTokens: false }).ids;
    for (const id of segmentIds) {
      ids.push(id);
      lossMask.push(s.trained ? 1 : 0);
    }
    text += s.text;
  }
  return { ids, lossMask, text };
}

/** Options of {@link formatChatML}. */
export interface ChatMlOptions {
  /** End with `<|im_start|>assistant\n` (for generation). Default false. */
  addGenerationPrompt?: boolean;
  /**
   * Text after each `<|im_end|>`: `'\n'` (default; llm-foundry's template) or `''` (MosaicML's
   * MPT-7B-Chat demo, which puts nothing between turns).
   */
  separator?: string;
  /** A system message put first when the conversation has none. */
  defaultSystemPrompt?: string;
}

/**
 * llm-foundry's default system prompt for MPT chat models.
 *
 * @example
 * ```ts
 * formatChatML(tokenizer, messages, { defaultSystemPrompt: MPT_CHAT_SYSTEM_PROMPT });
 * ```
 */
export const MPT_CHAT_SYSTEM_PROMPT =
  'A conversation between a user and an LLM-based AI assistant. The assistant gives helpful and honest answers.';

/**
 * ChatML, as MPT-7B-Chat / MPT-30B-Chat use it: `<|im_start|>{role}\n{content}<|im_end|>\n`.
 * Assistant content, its `<|im_end|>` and the separator are trained.
 *
 * @example
 * ```ts
 * formatChatML(tokenizer, messages, { defaultSystemPrompt: MPT_CHAT_SYSTEM_PROMPT, addGenerationPrompt: true });
 * ```
 */
export function formatChatML(tokenizer: Tokenizer, messages: readonly ChatMessage[], options: ChatMlOptions = {}): FormattedExample {
  const separator = options.separator ?? '\n';
  const all =
    options.defaultSystemPrompt !== undefined && messages[0]?.role !== 'system'
      ? [{ role: 'system', content: options.defaultSystemPrompt }, ...messages]
      : messages;
  const segments: Segment[] = [];
  all.forEach((m, i) => {
    if (typeof m.role !== 'string' || typeof m.content !== 'string') {
      throw new TokenizerInputError('formatChatML', `message ${i} needs a string role and content`);
    }
    const trained = m.role === 'assistant';
    segments.push({ text: `<|im_start|>${m.role}\n`, trained: false });
    segments.push({ text: `${m.content}<|im_end|>${separator}`, trained });
  });
  if (options.addGenerationPrompt) segments.push({ text: '<|im_start|>assistant\n', trained: false });
  return encodeSegments(tokenizer, segments);
}

/**
 * The instruction preamble of MPT-7B-Instruct (MPT spec 4.7).
 *
 * @example
 * ```ts
 * `${MPT_INSTRUCT_PREAMBLE}\n### Instruction:\n${instruction}\n### Response:\n`;
 * ```
 */
export const MPT_INSTRUCT_PREAMBLE =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.';

/** Options of {@link formatInstruct}. */
export interface InstructOptions {
  /**
   * `'model-card'` (default): single newlines, as the MPT-7B-Instruct card;
   * `'llm-foundry'`: blank lines, as llm-foundry's 2023 Dolly/Alpaca preprocessing.
   */
  variant?: 'model-card' | 'llm-foundry';
  /** End the response with the EOS token (trained). Default true when a response is given. */
  appendEos?: boolean;
  /** EOS token string; default the config's `eos_token`, else `<|endoftext|>`. */
  eosToken?: string;
}

/**
 * The MPT-7B-Instruct prompt, with the response (when given) trained:
 * `{preamble}\n### Instruction:\n{instruction}\n### Response:\n{response}<|endoftext|>`.
 *
 * @example
 * ```ts
 * formatInstruct(tokenizer, { instruction: 'Name a color.', response: 'Blue.' });
 * formatInstruct(tokenizer, { instruction: 'Name a color.' }).ids; // a prompt for generation
 * ```
 */
export function formatInstruct(
  tokenizer: Tokenizer,
  example: { instruction: string; response?: string },
  options: InstructOptions = {},
): FormattedExample {
  const gap = options.variant === 'llm-foundry' ? '\n\n' : '\n';
  const prompt = `${MPT_INSTRUCT_PREAMBLE}${gap}### Instruction:\n${example.instruction}${gap}### Response:\n`;
  const segments: Segment[] = [{ text: prompt, trained: false }];
  const result = (): FormattedExample => encodeSegments(tokenizer, segments);
  if (example.response === undefined) return result();
  segments.push({ text: example.response, trained: true });
  const formatted = result();
  if (options.appendEos ?? true) {
    const eos = options.eosToken ?? tokenizer.config.eosToken ?? '<|endoftext|>';
    const id = tokenizer.tokenToId(eos);
    if (id === undefined) {
      throw new TokenizerInputError('formatInstruct', `the EOS token ${JSON.stringify(eos)} is not in the vocabulary`, 'pass options.eosToken or appendEos: false');
    }
    formatted.ids.push(id);
    formatted.lossMask.push(1);
    formatted.text += eos;
  }
  return formatted;
}
