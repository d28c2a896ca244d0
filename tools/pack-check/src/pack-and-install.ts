/**
 * Pack a workspace package the way it would be published and install the
 * tarball into an empty npm project, outside the repository, the way a user
 * gets it from the registry.
 *
 * The project lives under the OS temp directory on purpose: inside the
 * repository, Node's resolution would walk up into the workspace's
 * node_modules and hide a missing runtime dependency.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What {@link packAndInstall} produced; call `cleanup()` when done. */
export interface InstalledPackage {
  /** The `.tgz` written by `pnpm pack`. */
  readonly tarball: string;
  /** The empty npm project the tarball was installed into. */
  readonly projectDir: string;
  /** `node_modules/<name>` inside `projectDir`: the installed package. */
  readonly installedDir: string;
  /** Remove every temporary file and directory. */
  cleanup(): void;
}

export interface PackAndInstallOptions {
  /** The workspace root (where `pnpm-workspace.yaml` lives). */
  readonly repoRoot: string;
  /** Package name, e.g. `@tessera/tensor`. */
  readonly name: string;
  /** The package's directory, relative to `repoRoot`. */
  readonly directory: string;
  /**
   * Install offline (default): right for packages without runtime dependencies. Packages with
   * dependencies set false, so npm fetches those from the registry.
   */
  readonly offline?: boolean;
  /**
   * Workspace packages installed from their own tarballs alongside, e.g. a peer dependency
   * (`@tessera/tensor` for a kernel package). Built and packed the same way.
   */
  readonly alongside?: ReadonlyArray<{ readonly name: string; readonly directory: string }>;
}

/**
 * Run a command and return its stdout; throw with the command, stdout and
 * stderr when it fails.
 *
 * @example
 * const version = run('node', ['--version'], process.cwd());
 */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    const reason = result.error?.message ?? `exit code ${String(result.status)}`;
    throw new Error(
      `\`${command} ${args.join(' ')}\` in ${cwd} failed (${reason})\n` +
        `--- stdout ---\n${result.stdout ?? ''}\n--- stderr ---\n${result.stderr ?? ''}`,
    );
  }
  return result.stdout;
}

/**
 * The environment for the consumer's npm: without the `npm_*` variables a
 * pnpm script inherits (they describe the workspace, not the consumer), and
 * with an npm cache inside `root`, so nothing is left behind.
 */
function consumerEnv(root: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  env['npm_config_cache'] = join(root, 'npm-cache');
  env['npm_config_update_notifier'] = 'false';
  return env;
}

/**
 * Build the package, `pnpm pack` it, and `npm install` the tarball into a new
 * empty project. The install is offline: it works while the package has no
 * runtime dependencies, and fails loudly once it gains one.
 *
 * @example
 * const installed = packAndInstall({ repoRoot, name: '@tessera/tensor', directory: 'packages/tensor' });
 * try { run('node', ['check.mjs'], installed.projectDir); } finally { installed.cleanup(); }
 */
export function packAndInstall(options: PackAndInstallOptions): InstalledPackage {
  const { repoRoot, name, directory } = options;
  const root = mkdtempSync(join(tmpdir(), 'tessera-pack-check-'));
  const cleanup = (): void => rmSync(root, { recursive: true, force: true });
  try {
    const packOne = (packageName: string, packageDir: string): string => {
      run('pnpm', ['--filter', packageName, 'build'], repoRoot);
      const packDir = join(root, 'pack', packageName.replace('/', '__'));
      mkdirSync(packDir, { recursive: true });
      run('pnpm', ['pack', '--pack-destination', packDir], join(repoRoot, packageDir));
      const tarballs = readdirSync(packDir).filter((file) => file.endsWith('.tgz'));
      if (tarballs.length !== 1 || tarballs[0] === undefined) {
        throw new Error(`expected one tarball in ${packDir}, found: ${tarballs.join(', ') || 'none'}`);
      }
      return join(packDir, tarballs[0]);
    };
    // Companions first: the package's own build may type-check against their dist/.
    const companions = (options.alongside ?? []).map((other) => packOne(other.name, other.directory));
    const tarball = packOne(name, directory);

    const projectDir = join(root, 'consumer');
    mkdirSync(projectDir);
    const manifest = { name: 'pack-check-consumer', version: '0.0.0', private: true, type: 'module' };
    writeFileSync(join(projectDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    run(
      'npm',
      ['install', tarball, ...companions, options.offline === false ? '--prefer-online' : '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
      projectDir,
      consumerEnv(root),
    );

    const installedDir = join(projectDir, 'node_modules', ...name.split('/'));
    return { tarball, projectDir, installedDir, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** Every file under `dir`, as paths relative to it with `/` separators. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1).split('\\').join('/'))
    .sort();
}
