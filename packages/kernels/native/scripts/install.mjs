#!/usr/bin/env node
/**
 * Builds the addon with node-gyp at install time. A failed build never fails the install: it
 * prints one line, and createNativeBackend() then falls back to the reference CPU backend.
 *
 *   node scripts/install.mjs                    the package's `install` script
 *   node scripts/install.mjs --strict --force   rebuild, and exit 1 when it fails (`pnpm run build:native`)
 *
 * An existing binary is kept when a stamp next to it matches the sources, the Node ABI and the
 * build options (so repeated `pnpm install`s do not recompile); --force rebuilds anyway.
 *
 * Node headers: npm passes `nodedir` to node-gyp but pnpm does not, and node-gyp otherwise
 * downloads headers (impossible offline). So the nodedir is npm_config_nodedir when set, else the
 * prefix of the running node when it ships headers (/usr for Debian's nodejs, nvm installs too);
 * when the headers are not where it says, the build is retried once without it (node-gyp then
 * finds or downloads its own). TESSERA_NATIVE_SKIP_BUILD=1 skips the
 * build; TESSERA_NATIVE_EMULATE_AVX512=1 makes a development build (see binding.gyp).
 *
 * The build runs in a private temporary copy of binding.gyp and native/, and only the finished
 * binary is moved into build/Release/, so two installs running at once cannot break each other.
 *
 * Prebuilt binary: a published package carries `prebuilds/<platform>-<arch>/` (scripts/prebuild.mjs,
 * run at pack time). When it matches this platform and these sources and loads in a child process,
 * nothing is compiled (a stale build/Release binary, which the loader would try first, is removed).
 * `--from-source` or TESSERA_NATIVE_BUILD_FROM_SOURCE=1 compiles anyway.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prebuildPaths, sourceHash } from './sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');
const force = process.argv.includes('--force');
const fromSource = process.argv.includes('--from-source') || process.env.TESSERA_NATIVE_BUILD_FROM_SOURCE === '1';
const release = join(root, 'build', 'Release');
const binary = join(release, 'tessera_native.node');
const stampFile = join(release, 'tessera_native.stamp');
const prefix = '@tessera/kernels-native:';

/** What the binary depends on: sources, build file, Node ABI, platform and build options. */
function stamp() {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(root, 'binding.gyp')));
  for (const file of readdirSync(join(root, 'native')).sort()) {
    hash.update(file);
    hash.update(readFileSync(join(root, 'native', file)));
  }
  hash.update(JSON.stringify([process.versions.modules, process.versions.napi, process.platform, process.arch, process.env.TESSERA_NATIVE_EMULATE_AVX512 ?? '']));
  return hash.digest('hex');
}

function headersDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const candidate = dirname(dirname(process.execPath));
  return existsSync(join(candidate, 'include', 'node', 'node_api.h')) ? candidate : undefined;
}

/**
 * How to run node-gyp: the one on PATH (npm and pnpm put theirs there for lifecycle scripts), else
 * npm's env var, else a local install, else the copy bundled with a global npm or pnpm.
 */
function nodeGyp() {
  const probe = spawnSync('node-gyp', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return { command: 'node-gyp', prefixArgs: [] };
  const scripts = [process.env.npm_config_node_gyp];
  try {
    scripts.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  const globalModules = join(dirname(dirname(process.execPath)), 'lib', 'node_modules');
  scripts.push(join(globalModules, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  scripts.push(join(globalModules, 'pnpm', 'dist', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const script = scripts.find((path) => path && path.endsWith('.js') && existsSync(path));
  return script ? { command: process.execPath, prefixArgs: [script] } : undefined;
}

function finish(ok, detail, log) {
  if (log) {
    mkdirSync(join(root, 'build'), { recursive: true });
    writeFileSync(join(root, 'build', 'install.log'), log);
  }
  if (ok) {
    process.stdout.write(`${prefix} built the native addon${detail ? ` (${detail})` : ''}\n`);
    return;
  }
  process.stderr.write(`${prefix} native build skipped or failed (${detail}); createNativeBackend() will fall back to the reference CPU backend\n`);
  if (strict) process.exit(1);
}

function main() {
  if (process.env.TESSERA_NATIVE_SKIP_BUILD === '1') return finish(false, 'TESSERA_NATIVE_SKIP_BUILD=1');
  const wanted = stamp();
  if (!force && existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) {
    process.stdout.write(`${prefix} native addon up to date\n`);
    return undefined;
  }
  if (!force && !fromSource && usablePrebuild()) {
    rmSync(binary, { force: true });
    rmSync(stampFile, { force: true });
    process.stdout.write(`${prefix} using the prebuilt ${process.platform}-${process.arch} binary (TESSERA_NATIVE_BUILD_FROM_SOURCE=1 compiles instead)\n`);
    return undefined;
  }
  const gyp = nodeGyp();
  if (!gyp) return finish(false, 'node-gyp not found');
  const nodedir = headersDir();
  const jobs = `--jobs=${Math.max(1, Math.min(4, (globalThis.navigator?.hardwareConcurrency ?? 2)))}`;
  const work = mkdtempSync(join(tmpdir(), 'tessera-native-'));
  let log = '';
  let firstError;
  try {
    copyFileSync(join(root, 'binding.gyp'), join(work, 'binding.gyp'));
    cpSync(join(root, 'native'), join(work, 'native'), { recursive: true });
    const attempts = nodedir ? [[`--nodedir=${nodedir}`]] : [[]];
    for (let i = 0; i < attempts.length; i++) {
      const extra = attempts[i];
      const args = [...gyp.prefixArgs, 'rebuild', jobs, ...extra];
      // node-gyp also reads npm_config_nodedir from the environment: the retry must not see it.
      const env = { ...process.env };
      if (extra.length === 0) delete env.npm_config_nodedir;
      const result = spawnSync(gyp.command, args, { cwd: work, encoding: 'utf8', env });
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
      log += `$ ${gyp.command} ${args.join(' ')}\n${output}\n`;
      const built = join(work, 'build', 'Release', 'tessera_native.node');
      if (result.status === 0 && existsSync(built)) {
        mkdirSync(release, { recursive: true });
        const staged = join(release, `tessera_native.node.${process.pid}.tmp`);
        copyFileSync(built, staged);
        renameSync(staged, binary);
        writeFileSync(stampFile, wanted);
        return finish(true, extra.join(' '), log);
      }
      firstError ??= errorLine(output);
      // Headers the detected nodedir lacks: let node-gyp find (or download) its own once.
      if (nodedir && i === 0 && /(node_api\.h|common\.gypi|config\.gypi).*(No such file|not found)|(No such file|not found).*(node_api\.h|common\.gypi)/i.test(output)) {
        attempts.push([]);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return finish(false, `${firstError ?? 'node-gyp failed'}; full log in build/install.log`, log);
}

/** True when prebuilds/ holds a binary built from these sources for this platform that loads here. */
function usablePrebuild() {
  const paths = prebuildPaths(root);
  if (!existsSync(paths.binary) || !existsSync(paths.meta)) return false;
  let meta;
  try {
    meta = JSON.parse(readFileSync(paths.meta, 'utf8'));
  } catch {
    return false;
  }
  if (meta.sources !== sourceHash(root) || !(Number(process.versions.napi) >= Number(meta.napi))) return false;
  const probe = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(paths.binary)}); if (typeof a.init !== 'function') process.exit(3);`], { encoding: 'utf8' });
  return probe.status === 0;
}

/** The most telling line of a failed node-gyp run. */
function errorLine(output) {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
  const compiler = lines.find((line) => /error:|Error \d+|not found|No such file/.test(line) && !line.startsWith('gyp '));
  return compiler ?? lines.find((line) => /^gyp ERR! (stack )?Error|^gyp ERR! .*error/i.test(line));
}

main();
