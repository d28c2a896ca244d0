#!/usr/bin/env node
/**
 * Puts a prebuilt binary for this platform into the package: `prebuilds/<platform>-<arch>/`
 * (prebuildify's layout), next to a `tessera_native.json` naming the sources it was built from.
 * Runs as `prepack`, so `pnpm pack` / `pnpm publish` ship it; an install on the same platform then
 * uses it instead of compiling (scripts/install.mjs), and `npm install --ignore-scripts` works too.
 *
 *   node scripts/prebuild.mjs     compile from source when build/Release is stale, then copy
 *
 * Only the platform it runs on is produced (linux-x64 on our machines); other platforms build from
 * source at install. The binary is checked by loading it in a separate process before it is kept.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prebuildPaths, sourceHash } from './sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prefix = '@tessera/kernels-native prebuild:';
const built = join(root, 'build', 'Release', 'tessera_native.node');

function fail(message) {
  process.stderr.write(`${prefix} ${message}\n`);
  process.exit(1);
}

// Compile (or confirm the existing build is current) from source, never from an older prebuild.
const install = spawnSync(process.execPath, [join(root, 'scripts', 'install.mjs'), '--strict', '--from-source'], { cwd: root, stdio: 'inherit' });
if (install.status !== 0 || !existsSync(built)) fail('the native build failed; see build/install.log');

const probe = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(built)}); if (typeof a.init !== 'function') process.exit(3);`], { encoding: 'utf8' });
if (probe.status !== 0) fail(`${built} does not load: ${probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`}`);

const { dir, binary, meta } = prebuildPaths(root);
mkdirSync(dir, { recursive: true });
const staged = `${binary}.${process.pid}.tmp`;
copyFileSync(built, staged);
renameSync(staged, binary);
const description = {
  sources: sourceHash(root),
  platform: process.platform,
  arch: process.arch,
  napi: Number(process.versions.napi),
  builtWith: process.version,
  glibc: process.report?.getReport?.().header?.glibcVersionRuntime ?? null,
};
writeFileSync(`${meta}.${process.pid}.tmp`, `${JSON.stringify(description, null, 2)}\n`);
renameSync(`${meta}.${process.pid}.tmp`, meta);
rmSync(`${meta}.${process.pid}.tmp`, { force: true });
process.stdout.write(`${prefix} ${binary.slice(root.length + 1)} (Node-API ${description.napi}, glibc ${description.glibc ?? 'n/a'})\n`);
