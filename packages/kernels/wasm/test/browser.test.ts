/**
 * The backend in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core; no
 * browser download): a page served from 127.0.0.1 with COOP/COEP headers (so SharedArrayBuffer
 * and shared WebAssembly memory exist) loads the package bundled by esbuild, creates the backend
 * with two threads (a Web Worker) and computes softmax(A B); the result must match the reference
 * backend computed here in Node. Served without COOP/COEP, the same page runs on one thread after
 * a one-line notice. Skipped, with the reason printed, when /usr/bin/chromium is absent
 * (apps/serve/scripts/ensure-chromium.sh installs it; CI runs that script).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertClose, onBackend, toleranceFor } from '@tessera/kernels-conformance';
import { createCpuBackend, matmul, randn, softmax } from '@tessera/tensor';
import { WASM_FILES } from '../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.log(`wasm browser test skipped: ${CHROMIUM} is missing (run apps/serve/scripts/ensure-chromium.sh)`);

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

interface PageResult {
  threads: number;
  sharedMemory: boolean;
  crossOriginIsolated: boolean;
  values: number[];
  error?: string;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>tessera wasm</title><link rel="icon" href="data:,"><script type="module" src="/bundle.js"></script>';

describe.skipIf(!available)('wasm backend in headless Chromium', () => {
  let server: Server;
  let url: string;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(packageRoot, 'test', 'browser', 'page.ts')], bundle: true, write: false, format: 'esm', platform: 'browser',
      target: 'es2022', conditions: ['@tessera/source'], external: ['node:*'], logLevel: 'silent',
    });
    const files = new Map<string, { type: string; body: Uint8Array | string }>([
      ['/', { type: 'text/html', body: PAGE }],
      ['/bundle.js', { type: 'text/javascript', body: bundle.outputFiles[0]!.contents }],
      ...Object.values(WASM_FILES).map((file) => [`/wasm/${file}`, { type: 'application/wasm', body: readFileSync(join(packageRoot, 'wasm', file)) }] as const),
    ]);
    files.set('/plain/', files.get('/')!);
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      const file = files.get(path);
      if (path !== '/plain/') {
        response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
        response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      }
      response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
      if (!file) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'Content-Type': file.type }).end(file.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('server has no address');
    url = `http://127.0.0.1:${address.port}/`;
    profile = await mkdtemp(join(tmpdir(), 'tessera-wasm-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      args: [
        '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  /** Open `path`, wait for the page script's result; console warnings and errors are collected. */
  async function visit(path: string): Promise<{ result: PageResult; messages: string[] }> {
    const page = await context.newPage();
    const messages: string[] = [];
    page.on('pageerror', (error) => messages.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') messages.push(message.text());
    });
    await page.goto(new URL(path, url).href);
    await page.waitForFunction(() => (globalThis as { tesseraResult?: unknown }).tesseraResult !== undefined, undefined, { timeout: 30_000 });
    const result = await page.evaluate(() => (globalThis as unknown as { tesseraResult: PageResult }).tesseraResult);
    await page.close();
    expect(result.error).toBeUndefined();
    return { result, messages };
  }

  let want: Float64Array;
  beforeAll(async () => {
    want = await onBackend(createCpuBackend(), async () => {
      const a = randn([200, 300], { seed: 11, dtype: 'float64' });
      const b = randn([300, 150], { seed: 12, dtype: 'float64' });
      return Float64Array.from(await softmax(matmul(a, b), -1).data());
    });
  });

  function expectReference(values: number[]): void {
    expect(values).toHaveLength(want.length);
    assertClose('softmax(A B) in Chromium', { values: Float64Array.from(values), shape: [200, 150], dtype: 'float32' },
      { values: want, shape: [200, 150], dtype: 'float64' }, toleranceFor('float32'));
  }

  it('runs matmul + softmax with two threads and matches the reference computed in Node', async () => {
    const { result, messages } = await visit('/');
    expect(messages).toEqual([]);
    expect(result.crossOriginIsolated).toBe(true);
    expect(result.sharedMemory).toBe(true);
    expect(result.threads).toBe(2);
    expectReference(result.values);
  }, 60_000);

  it('runs on the page thread after a one-line notice when the page is not cross-origin isolated (variants named by the page)', async () => {
    const { result, messages } = await visit('/plain/?explicit');
    expect(result.crossOriginIsolated).toBe(false);
    expect(result.sharedMemory).toBe(false);
    expect(result.threads).toBe(1);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^@tessera\/kernels-wasm: SharedArrayBuffer is unavailable .*running on 1 thread$/);
    expectReference(result.values);
  }, 60_000);
});
