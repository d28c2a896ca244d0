/**
 * The served model: an MPT checkpoint and its tokenizer from one Hugging Face directory, wired
 * together (the model works on ids and never imports the tokenizer; this is where they meet).
 *
 * Chat prompts: the directory's `chat_template` (tokenizer_config.json) when it has one, else
 * ChatML as MPT-7B-Chat writes it (`<|im_start|>{role}\n{content}<|im_end|>\n`, with the
 * MPT-7B-Chat default system prompt when the conversation has none, ending with
 * `<|im_start|>assistant\n`). Chat replies stop at EOS and at `<|im_end|>`.
 */
import { basename, resolve } from 'node:path';
import { MPTForCausalLM } from '@tessera/model';
import { BYTE_TO_CHAR, ByteLevelDecoder, formatChatML, MPT_CHAT_SYSTEM_PROMPT, Tokenizer, type ChatMessage } from '@tessera/tokenizer';
import type { TokenText } from './engine/sequence.js';

/** The model as the HTTP layer and the scheduler use it. */
export interface ModelHost {
  /** The model id clients pass as `model`. */
  readonly id: string;
  readonly model: MPTForCausalLM;
  readonly tokenizer: Tokenizer;
  /** Prompt plus completion tokens may not exceed this. */
  readonly contextLength: number;
  readonly tokens: TokenText;
  /** Ids that end every completion (the config's eos_token_id, the tokenizer's EOS). */
  readonly stopIds: readonly number[];
  /** Extra stops of chat completions. */
  readonly chatStopIds: readonly number[];
  readonly chatStopStrings: readonly string[];
  /** Ids at or above this (embedding rows past the tokenizer's vocabulary) are never sampled. */
  readonly vocabularyLimit: number;
  /** Time the model was loaded (seconds since the epoch), reported as `created`. */
  readonly created: number;
  encode(text: string): number[];
  chatPrompt(messages: readonly ChatMessage[]): number[];
}

const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function tokenText(tokenizer: Tokenizer): TokenText {
  const byteLevel = tokenizer.decoder instanceof ByteLevelDecoder;
  const bytesOf = (id: number): number[] => {
    const token = tokenizer.idToToken(id) ?? '';
    if (byteLevel) {
      const bytes = Array.from(token, (c) => CHAR_TO_BYTE.get(c) ?? -1);
      if (bytes.every((b) => b >= 0)) return bytes;
    }
    return [...new TextEncoder().encode(tokenizer.decode([id]))];
  };
  return {
    stream: () => tokenizer.decodeStream({ skipSpecialTokens: true }),
    tokenBytes: bytesOf,
    tokenText: (id) => {
      const bytes = bytesOf(id);
      try {
        return strictUtf8.decode(Uint8Array.from(bytes));
      } catch {
        // A piece of a UTF-8 character: OpenAI writes such tokens as "bytes:\xNN...".
        return `bytes:${bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}`;
      }
    },
  };
}

function largestId(tokenizer: Tokenizer): number {
  let largest = -1;
  for (const id of tokenizer.getVocab().values()) if (id > largest) largest = id;
  return largest;
}

/**
 * Wire a loaded model and tokenizer.
 *
 * @example
 * ```ts
 * const host = createModelHost(MPTForCausalLM.init(config), await Tokenizer.fromFile('tokenizer.json'), 'tiny');
 * ```
 */
export function createModelHost(model: MPTForCausalLM, tokenizer: Tokenizer, id: string, options: { contextLength?: number } = {}): ModelHost {
  const config = model.config;
  const eos = config.eosTokenId;
  const stopIds = new Set<number>(eos === null ? [] : typeof eos === 'number' ? [eos] : eos);
  const eosToken = tokenizer.config.eosToken ?? '<|endoftext|>';
  const eosId = tokenizer.tokenToId(eosToken);
  if (eosId !== undefined && tokenizer.addedVocabulary.isSpecial(eosToken)) stopIds.add(eosId);
  const imEnd = tokenizer.tokenToId('<|im_end|>');
  const chatStopIds = [...stopIds, ...(imEnd === undefined ? [] : [imEnd])];
  const template = tokenizer.config.chatTemplate;
  return {
    id,
    model,
    tokenizer,
    contextLength: options.contextLength ?? config.maxSeqLen,
    tokens: tokenText(tokenizer),
    stopIds: [...stopIds],
    chatStopIds,
    chatStopStrings: ['<|im_end|>'],
    vocabularyLimit: Math.min(largestId(tokenizer) + 1, config.vocabSize),
    created: Math.floor(Date.now() / 1000),
    encode: (text) => tokenizer.encode(text, { addSpecialTokens: false }).ids,
    chatPrompt: (messages) =>
      template !== undefined
        ? tokenizer.encode(tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }), { addSpecialTokens: false }).ids
        : formatChatML(tokenizer, messages, { addGenerationPrompt: true, defaultSystemPrompt: MPT_CHAT_SYSTEM_PROMPT }).ids,
  };
}

/**
 * Load a Hugging Face MPT directory: config.json + safetensors (or pytorch_model.bin) and
 * tokenizer.json (+ tokenizer_config.json).
 *
 * @example
 * ```ts
 * const host = await loadModelHost('./mpt-7b-chat', { dtype: 'auto' });
 * ```
 */
export async function loadModelHost(directory: string, options: { id?: string; dtype?: 'float32' | 'auto'; contextLength?: number } = {}): Promise<ModelHost> {
  const dir = resolve(directory);
  const [model, tokenizer] = await Promise.all([MPTForCausalLM.fromPretrained(dir, { dtype: options.dtype ?? 'float32' }), Tokenizer.fromPretrained(dir)]);
  return createModelHost(model, tokenizer, options.id ?? basename(dir), options.contextLength === undefined ? {} : { contextLength: options.contextLength });
}
