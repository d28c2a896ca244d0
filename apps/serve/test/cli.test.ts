/**
 * The `tessera-serve` command end to end through its bin shim (tsx on the source when there is
 * no build): it serves a model directory, and SIGTERM lets in-flight streams finish before it
 * exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from './tiny-model.js';

const BIN = fileURLToPath(new URL('../bin/tessera-serve.js', import.meta.url));
let model: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  model = await writeTinyModel();
});
afterAll(() => model.cleanup());

function start(args: string[]): { child: ChildProcess; url: Promise<string>; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TESSERA_SERVE_FROM_SOURCE: '1' } });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (data: Buffer): void => {
      output += data.toString();
      const match = output.match(/listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
  url.catch(() => {}); // awaited only by tests that expect the server to start
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, url, output: () => output, exit };
}

describe('tessera-serve command', () => {
  it('refuses bad arguments and a missing model with clear messages', async () => {
    const noModel = start([]);
    const missing = start(['--model', '/nonexistent/model', '--port', '0']);
    expect(await noModel.exit).toBe(2);
    expect(noModel.output()).toContain("required option '-m, --model <dir>'");
    expect(await missing.exit).toBe(1);
    expect(missing.output()).toContain('HINT');
  });

  it('serves a model directory and shuts down gracefully on SIGTERM', async () => {
    const server = start(['--model', model.dir, '--port', '0', '--model-name', 'cli-model', '--quiet']);
    const url = await server.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0]!.id).toBe('cli-model');

    const res = await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'cli-model', prompt: 'Hello', max_tokens: 60, temperature: 0, stream: true }) });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = (await reader.read()).value ?? '';
    server.child.kill('SIGTERM');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text).toContain('"finish_reason":"length"');
    expect(await server.exit).toBe(0);
    expect(server.output()).toContain('stopped');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
