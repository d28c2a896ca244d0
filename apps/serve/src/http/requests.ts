/**
 * From validated bodies to generation jobs: prompts to ids, OpenAI's sampling fields to
 * sequence specs, the limits that depend on the model (context length, vocabulary, batch size),
 * and the response shapes of `/v1/completions` and `/v1/chat/completions`.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { SamplingParams } from '../engine/sampling.js';
import type { LogprobEntry, SequenceSpec } from '../engine/sequence.js';
import type { ModelHost } from '../model-host.js';
import { ApiError, invalidParameter } from './errors.js';
import type { GenerationJob, ResponseFormat } from './generation.js';
import type { ChatCompletionRequest, CompletionRequest } from './schemas.js';

const FINGERPRINT = 'fp_tessera';

type CommonFields = Pick<CompletionRequest, 'model' | 'max_tokens' | 'temperature' | 'top_p' | 'n' | 'stop' | 'seed' | 'presence_penalty' | 'frequency_penalty' | 'logit_bias' | 'top_k' | 'repetition_penalty' | 'stream' | 'stream_options'>;

/** Limits a request is checked against. */
export interface RequestLimits {
  /** Most sequences (prompts x n) one request may ask for. */
  readonly maxSequences: number;
}

function checkModel(host: ModelHost, model: string): void {
  if (model !== host.id) throw new ApiError(400, `The model '${model}' does not exist. This server serves '${host.id}'.`, { param: 'model', code: 'model_not_found' });
}

function samplingFor(host: ModelHost, body: CommonFields, choice: number): SamplingParams {
  const logitBias = new Map<number, number>();
  for (const [key, bias] of Object.entries(body.logit_bias ?? {})) {
    const id = Number(key);
    if (id >= host.model.config.vocabSize) throw invalidParameter('logit_bias', `Invalid 'logit_bias': token id ${id} is outside the vocabulary (size ${host.model.config.vocabSize}).`);
    logitBias.set(id, bias);
  }
  const topP = body.top_p ?? 1;
  return {
    // top_p 0 keeps only the most likely token: greedy.
    temperature: topP === 0 ? 0 : (body.temperature ?? 1),
    topP: topP === 0 ? 1 : topP,
    topK: Math.max(0, body.top_k ?? 0),
    presencePenalty: body.presence_penalty ?? 0,
    frequencyPenalty: body.frequency_penalty ?? 0,
    repetitionPenalty: body.repetition_penalty ?? 1,
    logitBias,
    // With a seed, choice i uses seed + i, so the n choices differ and every run repeats.
    seed: body.seed != null ? (body.seed + choice) >>> 0 : randomInt(2 ** 32),
  };
}

function stopStrings(stop: CommonFields['stop']): string[] {
  const list = stop == null ? [] : typeof stop === 'string' ? [stop] : stop;
  return list.filter((s) => s.length > 0);
}

function checkLength(host: ModelHost, promptLength: number, maxTokens: number, param: string): void {
  if (promptLength >= host.contextLength) {
    throw new ApiError(400, `This model's maximum context length is ${host.contextLength} tokens. However, your prompt has ${promptLength} tokens. Please reduce the length of the prompt.`, { param, code: 'context_length_exceeded' });
  }
  if (promptLength + maxTokens > host.contextLength) {
    throw new ApiError(400, `This model's maximum context length is ${host.contextLength} tokens. However, you requested ${promptLength + maxTokens} tokens (${promptLength} in the prompt, ${maxTokens} for the completion). Please reduce the length of the prompt or the completion.`, { param: 'max_tokens', code: 'context_length_exceeded' });
  }
}

function checkCount(limits: RequestLimits, count: number): void {
  if (count > limits.maxSequences) {
    throw invalidParameter('n', `Invalid 'n': this request asks for ${count} sequences (prompts x n); the server runs at most ${limits.maxSequences} at once.`);
  }
}

const created = (): number => Math.floor(Date.now() / 1000);
const requestId = (prefix: string): string => `${prefix}-${randomBytes(12).toString('hex')}`;
const round = (x: number): number => (Number.isFinite(x) ? x : -9999);

/**
 * A `/v1/completions` job. `prompt` may be a string, strings, token ids or lists of token ids;
 * choice `p * n + j` is the j-th choice of prompt p.
 */
export function completionJob(host: ModelHost, body: CompletionRequest, limits: RequestLimits): GenerationJob {
  checkModel(host, body.model);
  const raw = body.prompt;
  const prompts: (string | number[])[] = typeof raw === 'string' ? [raw] : raw.length > 0 && typeof raw[0] === 'number' ? [raw as number[]] : (raw as (string | number[])[]);
  const V = host.model.config.vocabSize;
  const eos = host.stopIds[0] ?? 0;
  const promptIds = prompts.map((p) => {
    if (typeof p === 'string') {
      const ids = host.encode(p);
      return ids.length > 0 ? ids : [eos]; // an empty prompt starts from the end-of-text token
    }
    const bad = p.find((id) => id >= V);
    if (bad !== undefined) throw invalidParameter('prompt', `Invalid 'prompt': token id ${bad} is outside the vocabulary (size ${V}).`);
    return p;
  });
  const promptTexts = prompts.map((p) => (typeof p === 'string' ? p : host.tokenizer.decode(p, { skipSpecialTokens: true })));
  const n = body.n ?? 1;
  checkCount(limits, promptIds.length * n);
  const maxTokens = body.max_tokens ?? 16;
  for (const ids of promptIds) checkLength(host, ids.length, maxTokens, 'prompt');
  const topLogprobs = body.logprobs ?? null;
  const echo = body.echo ?? false;
  if (echo && topLogprobs !== null) {
    throw invalidParameter('echo', "Invalid 'echo': echo with logprobs (scoring the prompt's tokens) is not supported; drop one of them.", 'unsupported_value');
  }
  const specs: SequenceSpec[] = promptIds.flatMap((ids, p) =>
    Array.from({ length: n }, (_, j) => ({
      promptIds: ids,
      maxTokens,
      sampling: samplingFor(host, body, p * n + j),
      stopIds: host.stopIds,
      stopStrings: stopStrings(body.stop),
      topLogprobs,
    })),
  );
  const id = requestId('cmpl');
  const time = created();
  const includeUsage = body.stream_options?.include_usage === true;
  const echoText = (index: number): string => (echo ? promptTexts[Math.floor(index / n)]! : '');
  const logprobsOf = (entries: readonly LogprobEntry[], base: number): object | null =>
    topLogprobs === null
      ? null
      : {
          tokens: entries.map((e) => e.text),
          token_logprobs: entries.map((e) => round(e.logprob)),
          top_logprobs: entries.map((e) => Object.fromEntries(e.top.map((t) => [t.text, round(t.logprob)]))),
          text_offset: entries.map((e) => base + e.offset),
        };
  const chunk = (choices: object[]): object => ({ id, object: 'text_completion', created: time, model: host.id, system_fingerprint: FINGERPRINT, choices, ...(includeUsage ? { usage: null } : {}) });
  const format: ResponseFormat = {
    chunks: (index, text, logprobs, first) => [chunk([{ index, text: (first ? echoText(index) : '') + text, logprobs: logprobsOf(logprobs, echoText(index).length), finish_reason: null }])],
    finishChunk: (index, reason) => chunk([{ index, text: '', logprobs: null, finish_reason: reason }]),
    usageChunk: (usage) => ({ id, object: 'text_completion', created: time, model: host.id, system_fingerprint: FINGERPRINT, choices: [], usage }),
    response: (choices, usage) => ({
      id,
      object: 'text_completion',
      created: time,
      model: host.id,
      system_fingerprint: FINGERPRINT,
      choices: choices.map((c, index) => ({ index, text: echoText(index) + c.text, logprobs: logprobsOf(c.logprobs, echoText(index).length), finish_reason: c.finishReason })),
      usage,
    }),
  };
  return {
    endpoint: 'completions',
    specs,
    promptTokens: promptIds.reduce((s, ids) => s + ids.length, 0),
    stream: body.stream === true,
    includeUsage,
    format,
  };
}

function messageText(message: ChatCompletionRequest['messages'][number], index: number): string {
  const content = message.content;
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      if (part.type !== 'text' || part.text === undefined) {
        throw invalidParameter(`messages.${index}.content.${j}`, `Invalid 'messages[${index}].content[${j}]': only text content parts are supported (got type '${part.type}').`);
      }
      return part.text;
    })
    .join('');
}

/** A `/v1/chat/completions` job: the conversation in ChatML (or the model's chat template). */
export function chatJob(host: ModelHost, body: ChatCompletionRequest, limits: RequestLimits): GenerationJob {
  checkModel(host, body.model);
  if (body.top_logprobs != null && body.logprobs !== true) throw invalidParameter('top_logprobs', "Invalid 'top_logprobs': it requires 'logprobs' to be true.");
  const messages = body.messages.map((m, i) => ({ role: m.role === 'developer' ? 'system' : m.role, content: messageText(m, i) }));
  const promptIds = host.chatPrompt(messages);
  const n = body.n ?? 1;
  checkCount(limits, n);
  const requested = body.max_completion_tokens ?? body.max_tokens;
  const maxTokens = requested ?? Math.max(1, host.contextLength - promptIds.length);
  checkLength(host, promptIds.length, maxTokens, 'messages');
  const topLogprobs = body.logprobs === true ? (body.top_logprobs ?? 0) : null;
  const stops = [...host.chatStopStrings, ...stopStrings(body.stop)];
  const specs: SequenceSpec[] = Array.from({ length: n }, (_, j) => ({
    promptIds,
    maxTokens,
    sampling: samplingFor(host, body, j),
    stopIds: host.chatStopIds,
    stopStrings: stops,
    topLogprobs,
  }));
  const id = requestId('chatcmpl');
  const time = created();
  const includeUsage = body.stream_options?.include_usage === true;
  const logprobsOf = (entries: readonly LogprobEntry[]): object | null =>
    topLogprobs === null
      ? null
      : {
          content: entries.map((e) => ({
            token: e.text,
            logprob: round(e.logprob),
            bytes: e.bytes,
            top_logprobs: e.top.map((t) => ({ token: t.text, logprob: round(t.logprob), bytes: t.bytes })),
          })),
          refusal: null,
        };
  const chunk = (choices: object[]): object => ({ id, object: 'chat.completion.chunk', created: time, model: host.id, system_fingerprint: FINGERPRINT, choices, ...(includeUsage ? { usage: null } : {}) });
  const format: ResponseFormat = {
    chunks: (index, text, logprobs, first) => [
      ...(first ? [chunk([{ index, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])] : []),
      ...(text.length > 0 || logprobs.length > 0 ? [chunk([{ index, delta: { content: text }, logprobs: logprobsOf(logprobs), finish_reason: null }])] : []),
    ],
    finishChunk: (index, reason) => chunk([{ index, delta: {}, logprobs: null, finish_reason: reason }]),
    usageChunk: (usage) => ({ id, object: 'chat.completion.chunk', created: time, model: host.id, system_fingerprint: FINGERPRINT, choices: [], usage }),
    response: (choices, usage) => ({
      id,
      object: 'chat.completion',
      created: time,
      model: host.id,
      system_fingerprint: FINGERPRINT,
      choices: choices.map((c, index) => ({
        index,
        message: { role: 'assistant', content: c.text, refusal: null },
        logprobs: logprobsOf(c.logprobs),
        finish_reason: c.finishReason,
      })),
      usage,
    }),
  };
  return { endpoint: 'chat.completions', specs, promptTokens: promptIds.length, stream: body.stream === true, includeUsage, format };
}
