/**
 * Test harness: the tiny model written once per test file, loaded once, and servers started
 * on 127.0.0.1 port 0 around it.
 */
import { createServer, loadModelHost, type ModelHost, type ServerOptions, type TesseraServer } from '../src/index.js';
import { writeTinyModel } from './tiny-model.js';

export const MODEL_ID = 'tiny-mpt';

export interface Harness {
  readonly host: ModelHost;
  readonly dir: string;
  /** Start a server (closed by `close`). */
  start(options?: Omit<ServerOptions, 'host'>): Promise<{ app: TesseraServer; url: string }>;
  close(): Promise<void>;
}

/** Write and load the tiny model. */
export async function createHarness(): Promise<Harness> {
  const { dir, cleanup } = await writeTinyModel();
  const host = await loadModelHost(dir, { id: MODEL_ID });
  const apps: TesseraServer[] = [];
  return {
    host,
    dir,
    async start(options = {}) {
      const app = createServer({ host, ...options });
      apps.push(app);
      return { app, url: await app.listen(0, '127.0.0.1') };
    },
    async close() {
      await Promise.all(apps.map((a) => a.close()));
      await cleanup();
    },
  };
}

/** POST JSON and return status and parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
