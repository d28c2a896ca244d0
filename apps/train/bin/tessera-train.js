#!/usr/bin/env node
// tessera-train launcher. Runs the built CLI (dist/cli.js) when `pnpm build` produced it after
// the last change to any source it was built from (this app's src/ and the src/ of the @tessera
// packages it depends on); otherwise runs the TypeScript source through tsx with the
// `@tessera/source` export condition (sibling packages are read from their src/). So the command
// works right after `pnpm install` in a fresh clone, and a stale dist/ never runs old code.
// TESSERA_TRAIN_FROM_SOURCE=1 forces the source path.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const app = new URL('../', import.meta.url);
const built = new URL('dist/cli.js', app);

/** Newest modification time of the .ts files under a folder (0 when it does not exist). */
function newest(folder) {
  let time = 0;
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.isFile() && entry.name.endsWith('.ts')) time = Math.max(time, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs);
  }
  return time;
}

function distIsFresh() {
  let distTime;
  try {
    distTime = statSync(built).mtimeMs;
  } catch {
    return false;
  }
  const sources = [fileURLToPath(new URL('src', app))];
  try {
    const scope = fileURLToPath(new URL('node_modules/@tessera', app));
    for (const name of readdirSync(scope)) sources.push(`${scope}/${name}/src`);
  } catch {
    // no workspace dependencies linked
  }
  return sources.every((folder) => newest(folder) <= distTime);
}

if (process.env.TESSERA_TRAIN_FROM_SOURCE !== '1' && distIsFresh()) {
  await import(built.href);
} else {
  const source = fileURLToPath(new URL('src/cli.ts', app));
  const tsx = import.meta.resolve('tsx');
  // The child runs in its own process group, so a terminal's Ctrl-C reaches it once (forwarded
  // from here): the trainer then stops after the current batch with a checkpoint.
  const child = spawn(process.execPath, ['--conditions=@tessera/source', '--import', tsx, source, ...process.argv.slice(2)], {
    stdio: 'inherit',
    detached: true,
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
  });
}
