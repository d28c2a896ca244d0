/**
 * `generate`: sample from a model folder (a Hugging Face folder, a checkpoint, or a run folder's
 * newest checkpoint) with a prompt, streaming the text as it is decoded. `--chat` wraps the
 * prompt in ChatML, `--instruct` in the MPT-Instruct template (the formats `finetune` trains).
 */
import { MPTForCausalLM, type GenerateOptions } from '@tessera/model';
import { formatChatML, formatInstruct } from '@tessera/tokenizer';
import { selectBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import type { Reporter } from '../report.js';
import { resolveModelFolder } from './export.js';
import { eosOf, loadTokenizer } from './tokenizer.js';

/** Options of {@link generateText}. */
export interface GenerateTextOptions {
  readonly prompt: string;
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly repetitionPenalty?: number;
  readonly seed?: number;
  readonly format: 'plain' | 'chat' | 'instruct';
  readonly backend: 'auto' | 'cpu' | 'native';
}

/**
 * Generate a continuation and print it (prompt first, then the text as it streams).
 *
 * @example
 * ```ts
 * const { text } = await generateText('runs/tiny/hf', { prompt: 'Call me', maxNewTokens: 40, temperature: 0.8, format: 'plain', backend: 'auto' }, reporter);
 * ```
 */
export async function generateText(path: string, options: GenerateTextOptions, reporter: Reporter): Promise<{ text: string; tokens: number; folder: string }> {
  await selectBackend(options.backend, reporter);
  const folder = await resolveModelFolder(path, reporter);
  const tokenizer = await loadTokenizer(folder);
  const model = await MPTForCausalLM.fromPretrained(folder);
  try {
    const eos = eosOf(tokenizer);
    let ids: number[];
    if (options.format === 'chat') ids = formatChatML(tokenizer, [{ role: 'user', content: options.prompt }], { addGenerationPrompt: true }).ids;
    else if (options.format === 'instruct') ids = formatInstruct(tokenizer, { instruction: options.prompt }).ids;
    else ids = tokenizer.encode(options.prompt, { addSpecialTokens: false }).ids;
    if (ids.length === 0) {
      if (!eos) throw new UsageError('the prompt is empty and the tokenizer has no end-of-text token to start from', 'give --prompt "some text"');
      ids = [eos.id];
    }
    const stops = [eos?.id, options.format === 'chat' ? tokenizer.tokenToId('<|im_end|>') : undefined].filter((id): id is number => id !== undefined);
    const settings: GenerateOptions = {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature,
      ...(options.topK === undefined ? {} : { topK: options.topK }),
      ...(options.topP === undefined ? {} : { topP: options.topP }),
      ...(options.repetitionPenalty === undefined ? {} : { repetitionPenalty: options.repetitionPenalty }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      stopTokenIds: stops,
      // Rows of the embedding past the tokenizer's vocabulary (padding) are never produced.
      suppressTokenIds: Array.from({ length: Math.max(0, model.config.vocabSize - tokenizer.vocabSize) }, (_, i) => tokenizer.vocabSize + i),
    };
    const stream = tokenizer.decodeStream({ skipSpecialTokens: true });
    const streaming = reporter.format === 'text';
    if (streaming) reporter.results.write(options.format === 'plain' ? options.prompt : `${options.prompt}\n---\n`);
    let text = '';
    let tokens = 0;
    const started = performance.now();
    for await (const step of model.stream([ids], settings)) {
      const id = step.tokens[0];
      if (id === null || id === undefined) continue;
      tokens++;
      if (stops.includes(id)) break;
      const piece = stream.push(id);
      text += piece;
      if (streaming) reporter.results.write(piece);
    }
    const rest = stream.flush();
    text += rest;
    const seconds = (performance.now() - started) / 1000;
    if (streaming) reporter.results.write(`${rest}\n`);
    else reporter.result('generation', text, { prompt: options.prompt, text, tokens, folder });
    reporter.info('generate-end', `[generate] ${tokens} tokens in ${seconds.toFixed(1)} s (${(tokens / Math.max(seconds, 1e-9)).toFixed(1)} tok/s) from ${folder}`, { tokens, seconds: Math.round(seconds * 100) / 100 });
    return { text, tokens, folder };
  } finally {
    model.dispose();
  }
}
