/**
 * Test helpers: a small MDS dataset generator and a static HTTP server on 127.0.0.1 with
 * fault injection (HTTP errors, truncated bodies, stalls), counting requests and concurrency.
 */
import { once } from 'node:events';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { MDSWriter } from '@tessera/data-streaming';

/** The text of sample `i` in {@link writeDataset} datasets. */
export const sampleText = (i: number): string => `sample ${i}: ${'lorem ipsum '.repeat(10 + (i % 13))}`;

/**
 * Writes `n` samples `{ id: int, text: str }` into `out`.
 *
 * @example
 * ```ts
 * await writeDataset(dir, 300, { compression: 'zstd', hashes: ['sha1', 'xxh64'] });
 * ```
 */
export async function writeDataset(
  out: string,
  n: number,
  options: { compression?: string | null; hashes?: string[]; sizeLimit?: number | string } = {},
): Promise<void> {
  const writer = new MDSWriter({
    out,
    columns: { id: 'int', text: 'str' },
    compression: options.compression ?? null,
    hashes: options.hashes ?? ['sha1', 'xxh64'],
    sizeLimit: options.sizeLimit ?? '8kb',
  });
  for (let i = 0; i < n; i++) await writer.write({ id: BigInt(i), text: sampleText(i) });
  await writer.finish();
}

/** One injected fault, used once for the next request of its path. */
export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'truncate' } // announce the full length, send half, then cut the connection
  | { kind: 'stall'; ms: number } // wait before answering
  | { kind: 'body'; body: Uint8Array }; // serve these bytes instead of the file

export interface StaticServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Highest number of requests in flight at once. */
  maxConcurrent: number;
  /** Faults queued per path (e.g. `/shard.00001.mds.zstd`). */
  faults: Map<string, Fault[]>;
  /** Delay added to every response, in milliseconds. */
  delayMs: number;
  close(): Promise<void>;
}

/**
 * Serves the files under `root` on 127.0.0.1 (a random port).
 *
 * @example
 * ```ts
 * const server = await startStaticServer(dir);
 * server.faults.set('/index.json', [{ kind: 'status', status: 503 }]);
 * ```
 */
export async function startStaticServer(root: string): Promise<StaticServer> {
  let active = 0;
  const state: Omit<StaticServer, 'close' | 'url'> = { requests: [], maxConcurrent: 0, faults: new Map(), delayMs: 0 };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
      state.requests.push(path);
      active++;
      state.maxConcurrent = Math.max(state.maxConcurrent, active);
      response.on('close', () => active--);
      const fault = state.faults.get(path)?.shift();
      const file = join(root, normalize(path));
      if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
      if (fault?.kind === 'stall') await new Promise((r) => setTimeout(r, fault.ms));
      if (response.destroyed) return;
      if (fault?.kind === 'status') {
        response.writeHead(fault.status).end();
        return;
      }
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        response.writeHead(404).end();
        return;
      }
      if (fault?.kind === 'body') {
        response.writeHead(200, { 'content-length': fault.body.length }).end(fault.body);
        return;
      }
      response.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
      if (fault?.kind === 'truncate') {
        response.write(readFileSync(file).subarray(0, size >> 1));
        setTimeout(() => response.destroy(), 5);
        return;
      }
      createReadStream(file).pipe(response);
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const result = state as StaticServer;
  result.url = `http://127.0.0.1:${port}`;
  result.close = async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  return result;
}

/**
 * The rejection of a promise (fails the test if it resolves).
 *
 * @example
 * ```ts
 * const error = await rejectionOf(ds.get(0));
 * ```
 */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}
