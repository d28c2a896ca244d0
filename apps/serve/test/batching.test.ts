/**
 * Continuous batching: concurrent requests share decode steps, join and leave the running batch
 * without changing their outputs, the queue answers 429 when full, and a client that
 * disconnects stops its generation.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, MODEL_ID, postJson, type Harness } from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await createHarness();
});
afterAll(() => harness.close());

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Reads an SSE response until `count` data events have arrived; returns them. */
async function readEvents(res: Response, count: number): Promise<string[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const events: string[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      events.push(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
    }
  }
  return events;
}

describe('continuous batching', () => {
  it('runs concurrent requests in shared decode steps with the outputs they get alone', async () => {
    const { app, url } = await harness.start();
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const prompts = ['Peace', 'The Congress of the United States', 'Our economy', 'It is my duty to report that the', 'War', 'Freedom of the seas and', 'Tax', 'In the last year we have'];
    const maxTokens = [24, 20, 24, 16, 12, 20, 8, 16];
    const run = (i: number): Promise<OpenAI.Completion> => client.completions.create({ model: MODEL_ID, prompt: prompts[i]!, max_tokens: maxTokens[i]!, temperature: 0 });

    // Alone, one after another.
    const alone: string[] = [];
    for (let i = 0; i < prompts.length; i++) alone.push((await run(i)).choices[0]!.text);
    expect(app.scheduler.stats.maxDecodeRows).toBe(1);

    // Together: four start at once, four arrive while they run, so rows join and leave a
    // running batch; prompts of different lengths share steps through left padding.
    const steps = app.scheduler.stats.decodeSteps;
    const prefills = app.scheduler.stats.prefills;
    const together = await Promise.all(prompts.map(async (_, i) => {
      if (i >= 4) await new Promise((resolve) => setTimeout(resolve, (i - 3) * 4));
      return (await run(i)).choices[0]!.text;
    }));
    expect(together).toEqual(alone);
    expect(app.scheduler.stats.maxDecodeRows).toBeGreaterThanOrEqual(4);
    expect(app.scheduler.stats.prefills - prefills).toBeGreaterThan(1);
    const tokens = maxTokens.reduce((a, b) => a + b, 0);
    expect(app.scheduler.stats.decodeSteps - steps).toBeLessThan(tokens / 2);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(Number(metrics.match(/^tessera_max_decode_batch_size (\d+)$/m)![1])).toBeGreaterThanOrEqual(4);
    expect(app.scheduler.running).toBe(0);
  });

  it('gives each of n choices and each request its own sampling parameters', async () => {
    const { url } = await harness.start();
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const request = { model: MODEL_ID, prompt: 'The nation', max_tokens: 10, n: 3, temperature: 1.2, seed: 11 } as const;
    const alone = (await client.completions.create(request)).choices.map((c) => c.text);
    expect(new Set(alone).size).toBeGreaterThan(1);
    const [sampled, greedy] = await Promise.all([
      client.completions.create(request),
      client.completions.create({ model: MODEL_ID, prompt: 'The nation', max_tokens: 10, temperature: 0 }),
    ]);
    expect(sampled.choices.map((c) => c.text)).toEqual(alone);
    expect(greedy.choices[0]!.text).toBe((await client.completions.create({ model: MODEL_ID, prompt: 'The nation', max_tokens: 10, temperature: 0 })).choices[0]!.text);
  });

  it('answers 429 when the queue is full', async () => {
    const { app, url } = await harness.start({ maxConcurrency: 1, maxQueue: 1 });
    const body = { model: MODEL_ID, prompt: 'Long', max_tokens: 240, temperature: 0, stream: true };
    const first = new AbortController();
    const running = await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify(body), signal: first.signal });
    await readEvents(running, 1);
    const second = new AbortController();
    const waiting = fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify(body), signal: second.signal });
    await until(() => app.scheduler.queued === 1);
    const refused = await postJson(`${url}/v1/completions`, body);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ type: 'rate_limit_error', code: 'queue_full' });
    expect(refused.headers.get('retry-after')).toBe('1');
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    await expect(client.completions.create({ model: MODEL_ID, prompt: 'x', max_tokens: 1 })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    // The queued request runs once the first one goes away.
    first.abort();
    const res = await waiting;
    expect((await readEvents(res, 2)).length).toBe(2);
    second.abort();
    await until(() => app.scheduler.running === 0 && app.scheduler.queued === 0);
    expect((await fetch(`${url}/metrics`).then((r) => r.text())).match(/^tessera_rejected_requests_total (\d+)$/m)![1]).toBe('2');
  });

  it('cancels a generation when the client disconnects', async () => {
    const { app, url } = await harness.start();
    const controller = new AbortController();
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: MODEL_ID, messages: [{ role: 'user', content: 'Talk for a long time.' }], max_tokens: 150, temperature: 0, stream: true }),
      signal: controller.signal,
    });
    await readEvents(res, 3);
    const generated = app.scheduler.stats.generatedTokens;
    controller.abort();
    await until(() => app.scheduler.running === 0);
    expect(app.scheduler.stats.generatedTokens - generated).toBeLessThan(20);
    expect(app.metrics.cancelled.get()).toBe(1);

    // Non-streaming requests are cancelled too.
    const quiet = new AbortController();
    const pending = fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: MODEL_ID, prompt: 'x', max_tokens: 200 }), signal: quiet.signal }).catch((e: unknown) => e);
    await until(() => app.scheduler.running === 1);
    quiet.abort();
    await pending;
    await until(() => app.scheduler.running === 0);
    expect(app.metrics.cancelled.get()).toBe(2);
  });
});
