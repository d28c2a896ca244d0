/**
 * The HTTP server (node:http): routing, the API key, CORS, body limits, the playground page,
 * `/health`, `/metrics`, and graceful shutdown (stop accepting, finish every admitted request,
 * then close connections).
 *
 *   GET  /                      playground (public/index.html)
 *   GET  /health                {"status":"ok"} (503 "draining" during shutdown)
 *   GET  /metrics               Prometheus text
 *   GET  /v1/models[/:id]
 *   POST /v1/completions        POST /v1/chat/completions
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { QueueFullError, Scheduler } from '../engine/scheduler.js';
import type { ModelHost } from '../model-host.js';
import { ApiError } from './errors.js';
import { runGeneration, type GenerationJob } from './generation.js';
import { ServerMetrics } from './metrics.js';
import { chatJob, completionJob } from './requests.js';
import { ChatCompletionRequest, CompletionRequest, parseBody } from './schemas.js';

/** Settings of {@link createServer}; the CLI fills them from its flags. */
export interface ServerOptions {
  readonly host: ModelHost;
  /** Require `Authorization: Bearer <apiKey>` on /v1/* and /metrics. */
  readonly apiKey?: string | null;
  /** Allowed CORS origin (`*` for any); null sends no CORS headers. */
  readonly cors?: string | null;
  /** Most sequences in the running batch (default 32). */
  readonly maxConcurrency?: number;
  /** Most requests waiting for room in the batch before 429 (default 128). */
  readonly maxQueue?: number;
  /** Largest accepted request body (default 4 MiB). */
  readonly maxBodyBytes?: number;
  /** Prompt tokens prefilled per scheduler iteration (default 2048). */
  readonly maxPrefillTokens?: number;
  /** During shutdown, generations still running after this are cut short (default 60 s). */
  readonly shutdownTimeoutMs?: number;
  /** One line per request; default none. */
  readonly log?: (line: string) => void;
}

/** A running server. */
export interface TesseraServer {
  readonly server: Server;
  readonly scheduler: Scheduler;
  readonly metrics: ServerMetrics;
  /** Start listening; resolves with the bound URL (`port` 0 picks a free port). */
  listen(port: number, hostname?: string): Promise<string>;
  /** Graceful shutdown: refuse new requests, finish admitted ones, close. */
  close(): Promise<void>;
}

/** Label values of `tessera_requests_total`. */
const ENDPOINTS = ['/health', '/metrics', '/v1/models', '/v1/completions', '/v1/chat/completions'];
const PLAYGROUND = new URL('../../public/index.html', import.meta.url);

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      reject(new ApiError(413, `The request body is ${declared} bytes; the limit is ${limit}.`, { code: 'request_too_large' }));
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (part: Buffer) => {
      size += part.length;
      if (size > limit) {
        reject(new ApiError(413, `The request body exceeds the limit of ${limit} bytes.`, { code: 'request_too_large' }));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      parts.push(part);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new ApiError(400, `We could not parse the JSON body of your request: ${(e as Error).message}`, { code: 'invalid_json' });
  }
}

function keyMatches(expected: string, header: string | undefined): boolean {
  const given = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Build the server around a loaded model.
 *
 * @example
 * ```ts
 * const app = createServer({ host: await loadModelHost('./mpt-tiny') });
 * const url = await app.listen(8000, '127.0.0.1');
 * process.on('SIGTERM', () => void app.close());
 * ```
 */
export function createServer(options: ServerOptions): TesseraServer {
  const host = options.host;
  const maxConcurrency = options.maxConcurrency ?? 32;
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const scheduler = new Scheduler(host.model, host.tokens, {
    maxBatchSize: maxConcurrency,
    maxQueue: options.maxQueue ?? 128,
    maxPrefillTokens: options.maxPrefillTokens ?? 2048,
    vocabularyLimit: host.vocabularyLimit,
  });
  const metrics = new ServerMetrics({
    running: () => scheduler.running,
    queued: () => scheduler.queued,
    maxBatch: () => scheduler.stats.maxDecodeRows,
    cacheBytes: () => scheduler.cacheBytes,
    phaseSeconds: () => {
      const st = scheduler.stats;
      return [[{ phase: 'prefill' }, st.prefillSeconds], [{ phase: 'decode' }, st.decodeSeconds], [{ phase: 'sample' }, st.sampleSeconds], [{ phase: 'regroup' }, st.regroupSeconds]];
    },
  });
  scheduler.onStep = (step) => {
    metrics.stepSeconds.observe(step.seconds);
    if (step.kind === 'decode') metrics.decodeBatch.observe(step.rows);
  };
  const playground = readFileSync(PLAYGROUND);
  const inflight = new Set<Promise<void>>();
  let draining = false;

  const modelCard = (): object => ({ id: host.id, object: 'model', created: host.created, owned_by: 'tessera', max_model_len: host.contextLength });

  function corsHeaders(): Record<string, string> {
    if (!options.cors) return {};
    return {
      'access-control-allow-origin': options.cors,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type, openai-organization, openai-project, x-stainless-arch, x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, x-stainless-timeout',
      'access-control-max-age': '600',
      ...(options.cors === '*' ? {} : { vary: 'Origin' }),
    };
  }

  async function generate(req: IncomingMessage, res: ServerResponse, job: (body: unknown) => GenerationJob, startedAt: number): Promise<void> {
    const body = parseJson(await readBody(req, maxBodyBytes));
    const prepared = job(body);
    let done!: () => void;
    const tracked = new Promise<void>((resolve) => (done = resolve));
    inflight.add(tracked);
    try {
      await runGeneration({ scheduler, metrics }, res, prepared, startedAt);
    } catch (e) {
      if (e instanceof QueueFullError) {
        metrics.rejected.inc();
        throw new ApiError(429, `The server is busy (${e.queued} requests queued). Please retry shortly.`, { code: 'queue_full', headers: { 'retry-after': '1' } });
      }
      throw e;
    } finally {
      inflight.delete(tracked);
      done();
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string, startedAt: number): Promise<void> {
    const method = req.method ?? 'GET';
    for (const [k, v] of Object.entries(corsHeaders())) res.setHeader(k, v);
    if (method === 'OPTIONS') {
      res.writeHead(204, { allow: 'GET, POST, OPTIONS' }).end();
      return;
    }
    if (method === 'GET' && (path === '/' || path === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(playground);
      return;
    }
    if (method === 'GET' && path === '/health') {
      sendJson(res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok', model: host.id, running: scheduler.running, queued: scheduler.queued });
      return;
    }
    if (!ENDPOINTS.includes(path) && !path.startsWith('/v1/models/')) throw new ApiError(404, `Unknown endpoint: ${method} ${path}`, { code: 'unknown_url' });
    if (options.apiKey) {
      const header = req.headers.authorization;
      if (!keyMatches(options.apiKey, header)) {
        throw new ApiError(401, header ? 'Incorrect API key provided.' : "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", { code: 'invalid_api_key' });
      }
    }
    const expect = (m: string): void => {
      if (method !== m) throw new ApiError(405, `${path} accepts ${m}, not ${method}.`, { code: 'method_not_allowed', headers: { allow: m } });
    };
    if (path === '/metrics') {
      expect('GET');
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.render());
      return;
    }
    if (path === '/v1/models') {
      expect('GET');
      sendJson(res, 200, { object: 'list', data: [modelCard()] });
      return;
    }
    if (path.startsWith('/v1/models/')) {
      expect('GET');
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      if (id !== host.id) throw new ApiError(404, `The model '${id}' does not exist.`, { param: 'model', code: 'model_not_found' });
      sendJson(res, 200, modelCard());
      return;
    }
    expect('POST');
    if (draining) throw new ApiError(503, 'The server is shutting down.', { code: 'shutting_down', headers: { connection: 'close' } });
    const limits = { maxSequences: maxConcurrency };
    if (path === '/v1/completions') {
      await generate(req, res, (body) => completionJob(host, parseBody(CompletionRequest, body), limits), startedAt);
      return;
    }
    await generate(req, res, (body) => chatJob(host, parseBody(ChatCompletionRequest, body), limits), startedAt);
  }

  const server = createHttpServer((req, res) => {
    const startedAt = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const endpoint = ENDPOINTS.find((e) => path === e || path.startsWith(`${e}/`)) ?? (path === '/' ? '/' : 'other');
    route(req, res, path, startedAt)
      .catch((error: unknown) => {
        const apiError = ApiError.isInstance(error) ? error : new ApiError(500, `Internal error: ${error instanceof Error ? error.message : String(error)}`);
        if (apiError.status >= 500 && !ApiError.isInstance(error)) options.log?.(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        if (!res.headersSent) {
          const close: Record<string, string> = apiError.status === 413 ? { connection: 'close' } : {};
          sendJson(res, apiError.status, apiError.toJSON(), { ...apiError.headers, ...close });
        } else if (!res.writableEnded) {
          res.end();
        }
      })
      .finally(() => {
        metrics.requests.inc({ endpoint, status: String(res.statusCode) });
        options.log?.(`${req.method} ${req.url} ${res.statusCode} ${((performance.now() - startedAt) / 1000).toFixed(3)}s`);
      });
  });
  server.keepAliveTimeout = 5_000;

  return {
    server,
    scheduler,
    metrics,
    listen(port, hostname = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, hostname, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}`);
        });
      });
    },
    async close() {
      if (draining) return;
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => scheduler.truncateAll(), options.shutdownTimeoutMs ?? 60_000);
      await scheduler.whenIdle();
      await Promise.allSettled([...inflight]);
      clearTimeout(deadline);
      server.closeAllConnections();
      await closed;
    },
  };
}
