/**
 * @tessera/tensor as a user gets it: build, `pnpm pack`, `npm install` the
 * tarball into an empty project outside the repository, then import it from
 * plain Node ESM and from TypeScript and compute a matmul.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstalledPackage, listFiles, packAndInstall, run } from './pack-and-install.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Valid as both ESM JavaScript and TypeScript, so Node runs what tsc checks. */
const consumerSource = `import { matmul, tensor } from '@tessera/tensor';

const a = tensor([1, 2, 3, 4], [2, 2]);
const c = matmul(a, a);
console.log(JSON.stringify(Array.from(await c.data())));
`;

const consumerTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023', 'DOM'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: [],
  },
  files: ['check.ts'],
};

interface PackedManifest {
  name?: string;
  version?: string;
  main?: string;
  types?: string;
  files?: string[];
  engines?: { node?: string };
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
}

describe('@tessera/tensor packed and installed into an empty npm project', () => {
  let installed: InstalledPackage | undefined;
  let manifest: PackedManifest = {};

  const pkg = (): InstalledPackage => {
    if (installed === undefined) throw new Error('packAndInstall did not run');
    return installed;
  };

  beforeAll(() => {
    installed = packAndInstall({ repoRoot, name: '@tessera/tensor', directory: 'packages/tensor' });
    manifest = JSON.parse(readFileSync(join(installed.installedDir, 'package.json'), 'utf8')) as PackedManifest;
  });

  afterAll(() => installed?.cleanup());

  it('has a manifest with exports, types, files and engines', () => {
    expect(manifest.name).toBe('@tessera/tensor');
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.files?.length).toBeGreaterThan(0);
    expect(manifest.engines?.node).toBeTruthy();
    expect(manifest.types).toMatch(/\.d\.ts$/);
    expect(manifest.exports?.['./package.json']).toBe('./package.json');
    expect(Object.keys(manifest.exports ?? {}).filter((key) => key.includes('*'))).toEqual([]);
    const root = manifest.exports?.['.'];
    expect(typeof root).toBe('object');
    if (typeof root !== 'object') return;
    expect(root['types']).toMatch(/\.d\.ts$/);
    expect(root['default']).toMatch(/\.js$/);
    // pnpm pack must have replaced every workspace: range.
    expect(JSON.stringify(manifest.dependencies ?? {})).not.toContain('workspace:');
  });

  it('ships every file its manifest points at, with declarations beside the JavaScript', () => {
    const dir = pkg().installedDir;
    const root = manifest.exports?.['.'];
    const targets = [manifest.main, manifest.types, ...(typeof root === 'object' ? Object.values(root) : [])];
    for (const target of targets) {
      expect(target, 'manifest entry').toBeDefined();
      expect(existsSync(join(dir, target ?? '')), `${target ?? ''} is in the tarball`).toBe(true);
    }
    const files = listFiles(dir);
    const javascript = files.filter((file) => file.startsWith('dist/') && file.endsWith('.js'));
    expect(javascript.length).toBeGreaterThan(0);
    const missing = javascript.filter((file) => !files.includes(file.replace(/\.js$/, '.d.ts')));
    expect(missing, 'dist/*.js without a .d.ts').toEqual([]);
  });

  it('ships no tests', () => {
    expect(listFiles(pkg().installedDir).filter((file) => /\.test\.[cm]?[jt]s$/.test(file))).toEqual([]);
  });

  it('imports and computes a matmul from plain Node ESM', () => {
    const { projectDir } = pkg();
    writeFileSync(join(projectDir, 'check.mjs'), consumerSource);
    const stdout = run(process.execPath, ['check.mjs'], projectDir);
    expect(JSON.parse(stdout.trim())).toEqual([7, 10, 15, 22]);
  });

  it('type-checks from a TypeScript project through the exports map', () => {
    const { projectDir } = pkg();
    writeFileSync(join(projectDir, 'check.ts'), consumerSource);
    writeFileSync(join(projectDir, 'tsconfig.json'), JSON.stringify(consumerTsconfig, null, 2));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], projectDir);
  });
});
