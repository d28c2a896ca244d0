/**
 * Request bodies of the OpenAI endpoints, as zod schemas. Ranges follow OpenAI's API reference;
 * fields this server does not implement (`user`, `tools`, `response_format`, `suffix`,
 * `best_of`, ...) are not listed, and zod's default object parsing drops them: unknown fields
 * are ignored, not rejected. Two extensions that vLLM also accepts: `top_k` and
 * `repetition_penalty`.
 */
import { z } from 'zod';
import { invalidParameter, type ApiError } from './errors.js';

const tokenIds = z.array(z.number().int().min(0)).min(1);

const sampling = {
  model: z.string().min(1),
  max_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: z.record(z.string().regex(/^\d+$/, 'keys must be token ids'), z.number().min(-100).max(100)).nullish(),
  top_k: z.number().int().min(-1).nullish(),
  repetition_penalty: z.number().gt(0).max(10).nullish(),
};

/** POST /v1/completions */
export const CompletionRequest = z.object({
  ...sampling,
  prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIds, z.array(tokenIds).min(1)]),
  logprobs: z.number().int().min(0).max(5).nullish(),
  echo: z.boolean().nullish(),
});
export type CompletionRequest = z.infer<typeof CompletionRequest>;

const contentPart = z.object({ type: z.string(), text: z.string().optional() });

const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: z.string().optional(),
});

/** POST /v1/chat/completions */
export const ChatCompletionRequest = z.object({
  ...sampling,
  messages: z.array(message).min(1),
  max_completion_tokens: z.number().int().min(1).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/**
 * Parse a body or throw a 400 that names the first offending parameter.
 *
 * @example
 * ```ts
 * const body = parseBody(CompletionRequest, json); // ApiError 400: "Invalid 'temperature': ..."
 * ```
 */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParameter('body', 'The request body must be a JSON object.', 'invalid_body');
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = issue.path.map(String).join('.') || 'body';
  const missing = issue.code === 'invalid_type' && (value as Record<string, unknown>)[String(issue.path[0])] === undefined && issue.path.length === 1;
  const error: ApiError = missing
    ? invalidParameter(param, `Missing required parameter: '${param}'.`, 'missing_required_parameter')
    : invalidParameter(param, `Invalid '${param}': ${issue.message}.`);
  throw error;
}
