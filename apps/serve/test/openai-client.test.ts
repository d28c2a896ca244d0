/**
 * The official `openai` npm client, unchanged, against tessera-serve on the tiny model:
 * models, completions and chat completions, with and without streaming, usage, n, seed,
 * logprobs, stop and max_tokens; API key and CORS.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, MODEL_ID, type Harness } from './harness.js';

let harness: Harness;
let client: OpenAI;

beforeAll(async () => {
  harness = await createHarness();
  const { url } = await harness.start();
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => harness.close());

describe('openai client', () => {
  it('lists the model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([MODEL_ID]);
    expect((await client.models.retrieve(MODEL_ID)).id).toBe(MODEL_ID);
  });

  it('completes text with usage, n, logprobs and max_tokens', async () => {
    const prompt = 'The state of the Union is';
    const promptTokens = harness.host.encode(prompt).length;
    const result = await client.completions.create({ model: MODEL_ID, prompt, max_tokens: 6, n: 2, logprobs: 3, temperature: 1, seed: 7 });
    expect(result.object).toBe('text_completion');
    expect(result.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(result.usage?.prompt_tokens).toBe(promptTokens);
    expect(result.usage?.total_tokens).toBe(promptTokens + result.usage!.completion_tokens);
    for (const choice of result.choices) {
      expect(['length', 'stop']).toContain(choice.finish_reason);
      const lp = choice.logprobs!;
      // Tokens that end inside a UTF-8 character are written "bytes:\xNN" (as OpenAI does).
      expect(lp.tokens!.map((t) => (t.startsWith('bytes:') ? '' : t)).join('')).toBe(choice.text.replace(/\ufffd/g, ''));
      expect(lp.text_offset).toEqual([...lp.text_offset!].sort((a, b) => a - b));
      expect(lp.token_logprobs!.every((x) => x <= 0)).toBe(true);
      expect(lp.top_logprobs!.every((top) => Object.keys(top).length <= 3 && Object.keys(top).length >= 1)).toBe(true);
      expect(lp.text_offset![0]).toBe(0);
    }
    expect(result.usage!.completion_tokens).toBeLessThanOrEqual(12);
    // The same seed repeats the same choices.
    const again = await client.completions.create({ model: MODEL_ID, prompt, max_tokens: 6, n: 2, logprobs: 3, temperature: 1, seed: 7 });
    expect(again.choices.map((c) => c.text)).toEqual(result.choices.map((c) => c.text));
  });

  it('streams completions exactly like the non-streaming answer', async () => {
    const request = { model: MODEL_ID, prompt: 'We the people', max_tokens: 12, temperature: 0 } as const;
    const whole = await client.completions.create(request);
    const stream = await client.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.text;
        finish = choice.finish_reason ?? finish;
      }
    }
    expect(text).toBe(whole.choices[0]!.text);
    expect(finish).toBe(whole.choices[0]!.finish_reason);
    expect(usage).toEqual(whole.usage);
  });

  it('cuts the text at a stop sequence', async () => {
    const request = { model: MODEL_ID, prompt: 'In the year', max_tokens: 24, temperature: 0 } as const;
    const free = (await client.completions.create(request)).choices[0]!;
    const text = free.text;
    expect(text.length).toBeGreaterThan(12);
    const stop = text.slice(6, 9);
    const cut = (await client.completions.create({ ...request, stop: [stop, 'zzzz'] })).choices[0]!;
    expect(cut.finish_reason).toBe('stop');
    expect(cut.text).toBe(text.slice(0, text.indexOf(stop)));
    // Streaming never sends the stop string either.
    let streamed = '';
    for await (const chunk of await client.completions.create({ ...request, stop, stream: true })) streamed += chunk.choices[0]?.text ?? '';
    expect(streamed).toBe(cut.text);
  });

  it('chats in ChatML, streamed and not, with logprobs', async () => {
    const messages = [{ role: 'system' as const, content: 'You are terse.' }, { role: 'user' as const, content: 'Name a river.' }];
    const promptTokens = harness.host.chatPrompt(messages).length;
    const whole = await client.chat.completions.create({ model: MODEL_ID, messages, max_tokens: 8, temperature: 0, logprobs: true, top_logprobs: 2 });
    expect(whole.object).toBe('chat.completion');
    const choice = whole.choices[0]!;
    expect(choice.message.role).toBe('assistant');
    expect(whole.usage?.prompt_tokens).toBe(promptTokens);
    const content = choice.logprobs!.content!;
    expect(content.map((t) => t.token).join('')).toBe(choice.message.content);
    expect(content.every((t) => t.top_logprobs.length === 2 && t.bytes !== null)).toBe(true);
    // Greedy: the chosen token is the most likely one.
    expect(content.every((t) => t.token === t.top_logprobs[0]!.token)).toBe(true);

    const stream = await client.chat.completions.create({ model: MODEL_ID, messages, max_tokens: 8, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let role: string | undefined;
    const finishes: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        role ??= c.delta.role;
        text += c.delta.content ?? '';
        if (c.finish_reason) finishes.push(c.finish_reason);
      }
    }
    expect(role).toBe('assistant');
    expect(text).toBe(choice.message.content);
    expect(finishes).toEqual([choice.finish_reason]);
    expect(usage).toEqual(whole.usage);
  });

  it('uses the helpers of the client (stream runner)', async () => {
    const runner = client.chat.completions.stream({ model: MODEL_ID, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 5, n: 2, seed: 3, stream_options: { include_usage: true } });
    const final = await runner.finalChatCompletion();
    expect(final.choices).toHaveLength(2);
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
  });
});

describe('api key and cors', () => {
  it('answers 401 without the key and 200 with it', async () => {
    const { url } = await harness.start({ apiKey: 'sekret', cors: 'https://example.test' });
    const wrong = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'nope', maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const right = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sekret', maxRetries: 0 });
    expect((await right.models.list()).data).toHaveLength(1);
    // The playground and /health stay open; /metrics needs the key.
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const preflight = await fetch(`${url}/v1/chat/completions`, { method: 'OPTIONS', headers: { origin: 'https://example.test', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://example.test');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const models = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer sekret', origin: 'https://example.test' } });
    expect(models.headers.get('access-control-allow-origin')).toBe('https://example.test');
  });
});
