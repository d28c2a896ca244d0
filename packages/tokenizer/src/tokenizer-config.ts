/**
 * `tokenizer_config.json` (the `transformers` side of a pretrained tokenizer): special token
 * names and the Jinja `chat_template`. Parsed here, in camelCase, without touching the file
 * system (so browsers can pass the object themselves).
 *
 * @example
 * ```ts
 * const config = parseTokenizerConfig({ bos_token: '<|endoftext|>', eos_token: { content: '<|endoftext|>' } });
 * config.eosToken; // '<|endoftext|>'
 * ```
 */
import { TokenizerConfigError } from './errors.js';

/** The parts of tokenizer_config.json this package uses. */
export interface TokenizerConfig {
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
  unkToken?: string;
  /** Default chat template, or named templates (`default`, `tool_use`, ...). */
  chatTemplate?: string | Readonly<Record<string, string>>;
  /** `model_max_length` (informational). */
  modelMaxLength?: number;
  /** `clean_up_tokenization_spaces` (informational; `decode` never applies it). */
  cleanUpTokenizationSpaces?: boolean;
  /** Other string-valued special tokens (e.g. `sep_token`, `cls_token`), by their snake_case key. */
  extraSpecialTokens?: Readonly<Record<string, string>>;
}

const FILE = 'tokenizer_config.json';
const NAMED = { bos_token: 'bosToken', eos_token: 'eosToken', pad_token: 'padToken', unk_token: 'unkToken' } as const;

function tokenContent(value: unknown, path: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  throw new TokenizerConfigError(path, 'expected a token string or an AddedToken object with "content"', undefined, undefined, FILE);
}

/**
 * Reads the fields we use from a parsed tokenizer_config.json (unknown fields are ignored).
 *
 * @example
 * ```ts
 * parseTokenizerConfig({ chat_template: [{ name: 'default', template: '{{ messages }}' }] }).chatTemplate;
 * // { default: '{{ messages }}' }
 * ```
 */
export function parseTokenizerConfig(json: unknown): TokenizerConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TokenizerConfigError('', 'expected an object', undefined, undefined, FILE);
  }
  const j = json as Record<string, unknown>;
  const config: TokenizerConfig & Record<string, unknown> = {};
  for (const [key, name] of Object.entries(NAMED)) {
    const content = tokenContent(j[key], key);
    if (content !== undefined) config[name] = content;
  }
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(j)) {
    if (!key.endsWith('_token') || key in NAMED) continue;
    if (typeof value === 'string') extra[key] = value;
    else if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
      extra[key] = (value as { content: string }).content;
    }
  }
  if (Object.keys(extra).length > 0) config.extraSpecialTokens = extra;
  const template = j.chat_template;
  if (typeof template === 'string') {
    config.chatTemplate = template;
  } else if (Array.isArray(template)) {
    const named: Record<string, string> = {};
    template.forEach((entry, i) => {
      const e = entry as { name?: unknown; template?: unknown };
      if (typeof e?.name !== 'string' || typeof e.template !== 'string') {
        throw new TokenizerConfigError(`chat_template[${i}]`, 'expected { "name": string, "template": string }', undefined, undefined, FILE);
      }
      named[e.name] = e.template;
    });
    config.chatTemplate = named;
  } else if (template !== undefined && template !== null) {
    throw new TokenizerConfigError('chat_template', 'expected a string or a list of named templates', undefined, undefined, FILE);
  }
  if (typeof j.model_max_length === 'number') config.modelMaxLength = j.model_max_length;
  if (typeof j.clean_up_tokenization_spaces === 'boolean') config.cleanUpTokenizationSpaces = j.clean_up_tokenization_spaces;
  return config;
}
