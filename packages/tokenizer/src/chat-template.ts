/**
 * Renders a `chat_template` (Jinja, from tokenizer_config.json) with `@huggingface/jinja`, the
 * same engine and variables as transformers.js: `messages`, `add_generation_prompt`, the special
 * tokens (`bos_token`, `eos_token`, ...), optional `tools` / `documents`, and any extra values.
 *
 * @example
 * ```ts
 * renderChatTemplate("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}",
 *   [{ role: 'user', content: 'Hi' }], {}, {}); // 'user: Hi\n'
 * ```
 */
import { Template } from '@huggingface/jinja';
import { TokenizerInputError } from './errors.js';
import type { TokenizerConfig } from './tokenizer-config.js';

/** One chat message; templates may read extra fields (`name`, `tool_calls`, ...). */
export interface ChatMessage {
  role: string;
  content: string;
  [field: string]: unknown;
}

/** Options of `Tokenizer.applyChatTemplate`. */
export interface ApplyChatTemplateOptions {
  /** End with the prompt that starts the assistant's reply. Default false. */
  addGenerationPrompt?: boolean;
  /** A template name from a named set, or a template source that overrides the config's. */
  chatTemplate?: string;
  /** Tool definitions, passed to the template as `tools`. */
  tools?: readonly unknown[];
  /** Documents for retrieval templates, passed as `documents`. */
  documents?: readonly unknown[];
  /** Extra template variables. */
  variables?: Readonly<Record<string, unknown>>;
}

const compiled = new Map<string, Template>();

/** Picks the template source as transformers does (named sets: `tool_use` with tools, else `default`). */
export function selectChatTemplate(config: TokenizerConfig, options: ApplyChatTemplateOptions): string {
  const configured = config.chatTemplate;
  const requested = options.chatTemplate;
  if (typeof configured === 'object') {
    if (requested !== undefined && configured[requested] !== undefined) return configured[requested]!;
    if (requested !== undefined) return requested;
    const name = options.tools && configured.tool_use !== undefined ? 'tool_use' : 'default';
    const template = configured[name];
    if (template === undefined) {
      throw new TokenizerInputError('applyChatTemplate', `no chat template named "${name}" (have: ${Object.keys(configured).join(', ')})`, 'pass options.chatTemplate');
    }
    return template;
  }
  const template = requested ?? configured;
  if (template === undefined) {
    throw new TokenizerInputError(
      'applyChatTemplate',
      'this tokenizer has no chat_template',
      'load it with Tokenizer.fromPretrained(dir) from a directory whose tokenizer_config.json has one, pass options.chatTemplate, or use formatChatML',
    );
  }
  return template;
}

/**
 * Renders `source` for `messages`.
 *
 * @example
 * ```ts
 * renderChatTemplate(source, messages, { addGenerationPrompt: true }, { eos_token: '<|endoftext|>' });
 * ```
 */
export function renderChatTemplate(
  source: string,
  messages: readonly ChatMessage[],
  options: ApplyChatTemplateOptions,
  specialTokens: Readonly<Record<string, string>>,
): string {
  let template = compiled.get(source);
  if (!template) {
    template = new Template(source);
    compiled.set(source, template);
  }
  return template.render({
    ...specialTokens,
    ...options.variables,
    messages,
    add_generation_prompt: options.addGenerationPrompt ?? false,
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.documents ? { documents: options.documents } : {}),
  });
}
