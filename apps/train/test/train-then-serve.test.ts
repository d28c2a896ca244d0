/**
 * The whole path a user takes: `tessera-train pretrain` on tiny.yaml, `tessera-train export`, then
 * `tessera-serve --model <export>` answering an OpenAI-style completion (streamed and not) on
 * 127.0.0.1. Both commands run through the bin links pnpm makes in the root node_modules/.bin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'tessera-train-serve-'));
const env = { ...process.env, TESSERA_TRAIN_FROM_SOURCE: '1', TESSERA_SERVE_FROM_SOURCE: '1' };
let server: ChildProcess | undefined;

afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function run(command: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin(command), args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('train, export, then serve the tiny model', () => {
  it('serves what it trained through the OpenAI completions API', async () => {
    const runDir = join(work, 'run');
    const hf = join(work, 'hf');
    const trained = await run('tessera-train', ['pretrain', 'apps/train/configs/tiny.yaml', `save_folder=${runDir}`, 'max_duration=40ba', '--quiet']);
    expect(trained.code, trained.output).toBe(0);
    const exported = await run('tessera-train', ['export', runDir, hf]);
    expect(exported.code, exported.output).toBe(0);

    server = spawn(bin('tessera-serve'), ['--model', hf, '--port', '0', '--model-name', 'tiny', '--quiet'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      const onData = (d: Buffer): void => {
        output += d.toString();
        const match = output.match(/listening on (http:\/\/\S+)/);
        if (match) resolve(match[1]!);
      };
      server!.stdout!.on('data', onData);
      server!.stderr!.on('data', onData);
      server!.on('exit', (code) => reject(new Error(`tessera-serve exited with ${code}:\n${output}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const body = { model: 'tiny', prompt: 'Call me', max_tokens: 8, temperature: 0 };
    const plain = (await (await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify(body) })).json()) as {
      choices: { text: string }[]; usage: { completion_tokens: number };
    };
    expect(plain.usage.completion_tokens).toBeGreaterThan(0);
    expect(typeof plain.choices[0]!.text).toBe('string');

    const streamed = await (await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify({ ...body, stream: true }) })).text();
    const chunks = streamed.split('\n\n').filter((e) => e.startsWith('data: ') && !e.includes('[DONE]'));
    const text = chunks.map((e) => (JSON.parse(e.slice(6)) as { choices: { text: string }[] }).choices[0]?.text ?? '').join('');
    expect(streamed.trim().endsWith('data: [DONE]')).toBe(true);
    expect(text).toBe(plain.choices[0]!.text); // greedy: streamed and plain agree
  }, 240_000);
});
