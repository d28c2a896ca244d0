/**
 * Request validation (400 with the offending parameter), limits (413, 404, 405), ignored unknown
 * fields, /health and /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, MODEL_ID, postJson, type Harness } from './harness.js';

let harness: Harness;
let url: string;

beforeAll(async () => {
  harness = await createHarness();
  ({ url } = await harness.start({ maxBodyBytes: 64 * 1024, maxConcurrency: 4 }));
});
afterAll(() => harness.close());

const completions = (body: unknown): ReturnType<typeof postJson> => postJson(`${url}/v1/completions`, body);
const chat = (body: unknown): ReturnType<typeof postJson> => postJson(`${url}/v1/chat/completions`, body);

describe('validation', () => {
  it('rejects bad JSON', async () => {
    const { status, body } = await completions('{"model": "tiny-mpt", "prompt": ');
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_json');
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('rejects a body that is not an object, and missing fields', async () => {
    expect((await completions('[1, 2]')).body.error.code).toBe('invalid_body');
    const missing = await chat({ model: MODEL_ID });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ param: 'messages', code: 'missing_required_parameter' });
  });

  it('rejects an unknown model', async () => {
    const { status, body } = await completions({ model: 'gpt-4', prompt: 'hi' });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ param: 'model', code: 'model_not_found' });
    expect(body.error.message).toContain(MODEL_ID);
  });

  it('rejects parameters out of range, naming them', async () => {
    const cases: [object, string][] = [
      [{ temperature: 2.5 }, 'temperature'],
      [{ top_p: 1.5 }, 'top_p'],
      [{ max_tokens: 0 }, 'max_tokens'],
      [{ n: 0 }, 'n'],
      [{ n: 5 }, 'n'], // more sequences than --max-concurrency 4
      [{ logprobs: 6 }, 'logprobs'],
      [{ presence_penalty: -3 }, 'presence_penalty'],
      [{ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ logit_bias: { '99999': 1 } }, 'logit_bias'],
      [{ logit_bias: { abc: 1 } }, 'logit_bias.abc'],
      [{ prompt: [1, 2, 999999] }, 'prompt'],
      [{ seed: 1.5 }, 'seed'],
      [{ echo: true, logprobs: 1 }, 'echo'],
    ];
    for (const [fields, param] of cases) {
      const { status, body } = await completions({ model: MODEL_ID, prompt: 'hi', ...fields });
      expect(status, JSON.stringify(fields)).toBe(400);
      expect(body.error.param, JSON.stringify(fields)).toBe(param);
      expect(body.error.message.length).toBeGreaterThan(10);
    }
    const chatCases: [object, string][] = [
      [{ messages: [] }, 'messages'],
      [{ messages: [{ role: 'wizard', content: 'x' }] }, 'messages.0.role'],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }, 'messages.0.content.0'],
      [{ messages: [{ role: 'user', content: 'x' }], top_logprobs: 2 }, 'top_logprobs'],
      [{ messages: [{ role: 'user', content: 'x' }], top_logprobs: 21, logprobs: true }, 'top_logprobs'],
    ];
    for (const [fields, param] of chatCases) {
      const { status, body } = await chat({ model: MODEL_ID, ...fields });
      expect(status, JSON.stringify(fields)).toBe(400);
      expect(body.error.param, JSON.stringify(fields)).toBe(param);
    }
  });

  it('rejects prompts longer than the context', async () => {
    const long = Array.from({ length: 300 }, (_, i) => 10 + (i % 100));
    const tooLong = await completions({ model: MODEL_ID, prompt: long });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.code).toBe('context_length_exceeded');
    expect(tooLong.body.error.message).toContain('256');
    const tooMany = await completions({ model: MODEL_ID, prompt: long.slice(0, 200), max_tokens: 100 });
    expect(tooMany.body.error).toMatchObject({ code: 'context_length_exceeded', param: 'max_tokens' });
  });

  it('ignores unknown and unimplemented OpenAI fields', async () => {
    const { status, body } = await chat({
      model: MODEL_ID,
      messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      max_tokens: 2,
      user: 'someone',
      response_format: { type: 'text' },
      parallel_tool_calls: false,
      store: false,
      metadata: { a: 'b' },
      some_future_field: [1, 2, 3],
    });
    expect(status).toBe(200);
    expect(body.choices[0].message.role).toBe('assistant');
  });

  it('accepts every prompt form of /v1/completions', async () => {
    const { body } = await completions({ model: MODEL_ID, prompt: ['a', 'b c'], max_tokens: 2, n: 2, echo: true });
    expect(body.choices.map((c: { index: number }) => c.index)).toEqual([0, 1, 2, 3]);
    expect(body.choices[2].text.startsWith('b c')).toBe(true);
    expect((await completions({ model: MODEL_ID, prompt: [5, 6, 7], max_tokens: 2 })).status).toBe(200);
    expect((await completions({ model: MODEL_ID, prompt: [[5, 6], [7]], max_tokens: 2 })).body.choices).toHaveLength(2);
    expect((await completions({ model: MODEL_ID, prompt: '', max_tokens: 2 })).status).toBe(200);
  });

  it('limits the body size and answers unknown routes and methods', async () => {
    const big = await completions({ model: MODEL_ID, prompt: 'x'.repeat(100 * 1024) });
    expect(big.status).toBe(413);
    expect((await fetch(`${url}/v1/nothing`)).status).toBe(404);
    const wrongMethod = await fetch(`${url}/v1/completions`);
    expect(wrongMethod.status).toBe(405);
    expect((await wrongMethod.json()).error.code).toBe('method_not_allowed');
    expect((await fetch(`${url}/v1/models/other`)).status).toBe(404);
  });

  it('reports health and Prometheus metrics', async () => {
    const health = (await (await fetch(`${url}/health`)).json()) as object;
    expect(health).toMatchObject({ status: 'ok', model: MODEL_ID });
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^# HELP tessera_requests_total /m);
    expect(text).toMatch(/^tessera_requests_total\{endpoint="\/v1\/completions",status="400"\} \d+$/m);
    expect(text).toMatch(/^tessera_generated_tokens_total \d+$/m);
    expect(text).toMatch(/^tessera_decode_batch_size_bucket\{le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^tessera_time_to_first_token_seconds_count \d+$/m);
    // Every sample line is `name{labels} value`.
    for (const line of text.trim().split('\n').filter((l) => !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [-+\d.eInf]+$/);
  });

  it('serves the playground', async () => {
    const res = await fetch(`${url}/`);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('Tessera playground');
  });
});
