#!/usr/bin/env node
// tessera-serve launcher. Runs the built CLI (dist/cli.js) when `pnpm build` has produced it;
// otherwise runs the TypeScript source through tsx with the `@tessera/source` export condition
// (sibling packages are read from their src/), so the command works right after `pnpm install`
// in a fresh clone. TESSERA_SERVE_FROM_SOURCE=1 forces the source path.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);

if (existsSync(built) && process.env.TESSERA_SERVE_FROM_SOURCE !== '1') {
  await import(built.href);
} else {
  const source = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  // The child gets its own process group, so a terminal's Ctrl-C reaches it once (forwarded
  // from here), and an IPC channel, so it shuts down gracefully if this launcher dies.
  const child = spawn(process.execPath, ['--conditions=@tessera/source', '--import', tsx, source, ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
  });
}
