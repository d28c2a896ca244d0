/**
 * `tessera-serve --model <dir> [--port N] [--host 127.0.0.1] [--api-key K] [--cors ORIGIN]
 *  [--max-concurrency N] [--max-queue N] ...`
 *
 * Exit codes: 0 after a graceful shutdown, 1 when the model cannot be loaded or the port cannot
 * be bound, 2 for bad arguments, 130 when a second SIGINT/SIGTERM forces an exit.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { selectBackend, type BackendChoice } from './backend.js';
import { loadModelHost } from './model-host.js';
import { createServer } from './http/server.js';

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

const program = new Command('tessera-serve')
  .description('Serve a Hugging Face MPT directory (config.json + safetensors + tokenizer.json) with an OpenAI-compatible API and a web playground.')
  .requiredOption('-m, --model <dir>', 'model directory: config.json, *.safetensors (or pytorch_model.bin), tokenizer.json [, tokenizer_config.json]')
  .option('-p, --port <n>', 'port (0 picks a free one)', integer(0), 8000)
  .option('--host <address>', 'address to bind', '127.0.0.1')
  .addOption(new Option('--api-key <key>', 'require "Authorization: Bearer <key>" on /v1/* and /metrics').env('TESSERA_API_KEY'))
  .option('--cors <origin>', "send CORS headers allowing this origin ('*' for any)")
  .option('--max-concurrency <n>', 'most sequences in the running batch', integer(1), 32)
  .option('--max-queue <n>', 'most requests waiting for the batch before 429', integer(0), 128)
  .option('--max-body-bytes <n>', 'largest request body', integer(1), 4 * 1024 * 1024)
  .option('--max-prefill-tokens <n>', 'prompt tokens prefilled between two decode steps', integer(1), 2048)
  .option('--model-name <id>', 'model id clients pass (default: the directory name)')
  .addOption(new Option('--dtype <dtype>', 'parameter storage').choices(['float32', 'auto']).default('float32'))
  .addOption(new Option('--backend <backend>', 'tensor backend: native kernels when they load (auto), required (native), or the reference TypeScript one (cpu)').choices(['auto', 'native', 'cpu']).default('auto'))
  .option('--threads <n>', 'threads of the native backend (default: the cores available)', integer(1))
  .option('--context-length <n>', 'prompt + completion token limit (default: max_seq_len of config.json)', integer(1))
  .option('--shutdown-timeout <seconds>', 'on SIGTERM, cut generations still running after this long', integer(0), 60)
  .option('-q, --quiet', 'no per-request log lines')
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

program.parse();
const options = program.opts<{
  model: string; port: number; host: string; apiKey?: string; cors?: string; maxConcurrency: number; maxQueue: number; maxBodyBytes: number;
  maxPrefillTokens: number; modelName?: string; dtype: 'float32' | 'auto'; contextLength?: number; shutdownTimeout: number; quiet?: boolean;
  backend: BackendChoice; threads?: number;
}>();

const log = (line: string): void => console.log(`[tessera-serve] ${line}`);

try {
  const backend = await selectBackend(options.backend, { ...(options.threads ? { threads: options.threads } : {}), warn: (message) => console.warn(`[tessera-serve] ${message}`) });
  log(`backend: ${backend}`);
} catch (error) {
  console.error(`tessera-serve: cannot use the ${options.backend} backend: ${error instanceof Error ? error.message : String(error)}`);
  console.error('HINT: --backend auto falls back to the reference CPU backend; --backend cpu always uses it');
  process.exit(1);
}

let host;
try {
  const started = performance.now();
  host = await loadModelHost(options.model, {
    dtype: options.dtype,
    ...(options.modelName ? { id: options.modelName } : {}),
    ...(options.contextLength ? { contextLength: options.contextLength } : {}),
  });
  const c = host.model.config;
  log(`loaded ${host.id}: d_model ${c.dModel}, ${c.nLayers} layers, vocabulary ${c.vocabSize}, context ${host.contextLength} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
} catch (error) {
  console.error(`tessera-serve: cannot load the model from ${options.model}: ${error instanceof Error ? error.message : String(error)}`);
  console.error('HINT: --model must name a Hugging Face MPT directory with config.json, safetensors weights and tokenizer.json');
  process.exit(1);
}

const app = createServer({
  host,
  apiKey: options.apiKey ?? null,
  cors: options.cors ?? null,
  maxConcurrency: options.maxConcurrency,
  maxQueue: options.maxQueue,
  maxBodyBytes: options.maxBodyBytes,
  maxPrefillTokens: options.maxPrefillTokens,
  shutdownTimeoutMs: options.shutdownTimeout * 1000,
  ...(options.quiet ? {} : { log }),
});

try {
  const url = await app.listen(options.port, options.host);
  log(`listening on ${url} (model '${host.id}'; playground ${url}/, API ${url}/v1)`);
} catch (error) {
  console.error(`tessera-serve: cannot listen on ${options.host}:${options.port}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

let stopping = false;
async function shutdown(reason: string): Promise<void> {
  if (stopping) {
    log(`${reason} again: exiting without waiting`);
    process.exit(130);
  }
  stopping = true;
  log(`${reason}: finishing ${app.scheduler.running} running and ${app.scheduler.queued} queued requests, accepting no new ones`);
  await app.close();
  log('stopped');
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));
// Started by bin/tessera-serve.js: shut down if that launcher goes away.
if (process.channel) {
  process.channel.unref();
  process.on('disconnect', () => void shutdown('launcher exited'));
}
