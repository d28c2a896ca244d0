/**
 * @tessera/kernels-native as a user gets it: `pnpm pack` (whose prepack puts the prebuilt
 * linux-x64 binary into prebuilds/), `npm install` of that tarball and its peer @tessera/tensor
 * into an empty project with install scripts off, so nothing is compiled, then a native matmul
 * from plain Node ESM. The package's own install script, run there, keeps the prebuild.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstalledPackage, listFiles, packAndInstall, run } from './pack-and-install.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const platform = `${process.platform}-${process.arch}`;
const supported = platform === 'linux-x64';
if (!supported) console.log(`[native-pack] skipped: prebuilt binaries are made for linux-x64, this is ${platform}`);

describe.skipIf(!supported)('@tessera/kernels-native packed with its prebuilt binary', () => {
  let installed: InstalledPackage | undefined;

  beforeAll(() => {
    installed = packAndInstall({
      repoRoot, name: '@tessera/kernels-native', directory: 'packages/kernels/native',
      alongside: [{ name: '@tessera/tensor', directory: 'packages/tensor' }],
    });
  }, 600_000);

  afterAll(() => installed?.cleanup());

  it('ships prebuilds/linux-x64 with the sources it was built from', () => {
    const files = listFiles(installed!.installedDir);
    expect(files).toContain(`prebuilds/${platform}/tessera_native.node`);
    expect(files).toContain('binding.gyp');
    expect(files.filter((file) => file.startsWith('build/'))).toEqual([]);
    const meta = JSON.parse(readFileSync(join(installed!.installedDir, 'prebuilds', platform, 'tessera_native.json'), 'utf8')) as Record<string, unknown>;
    expect(meta['sources']).toMatch(/^[0-9a-f]{64}$/);
    expect(meta['napi']).toBeGreaterThanOrEqual(8);
  });

  it('computes on the native backend without compiling anything', () => {
    const script = [
      "import { matmul, tensor, useBackend } from '@tessera/tensor';",
      "import { createNativeBackend, nativeStatus } from '@tessera/kernels-native';",
      "const backend = await createNativeBackend({ threads: 2, fallback: 'throw' });",
      'useBackend(backend);',
      'const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);',
      'const b = tensor([7, 8, 9, 10, 11, 12], [3, 2]);',
      'const status = nativeStatus();',
      'console.log(JSON.stringify({ name: backend.name, path: status.path, c: Array.from(await matmul(a, b).data()) }));',
    ].join('\n');
    const out = run('node', ['--input-type=module', '-e', script], installed!.projectDir);
    const got = JSON.parse(out.trim().split('\n').pop()!) as { name: string; path: string; c: number[] };
    expect(got.name).toBe('native');
    expect(got.path).toContain(join('prebuilds', platform));
    expect(got.c).toEqual([58, 64, 139, 154]);
  });

  it("keeps the prebuild when the package's install script runs", () => {
    const out = run('node', ['scripts/install.mjs'], installed!.installedDir);
    expect(out).toContain(`using the prebuilt ${platform} binary`);
    expect(existsSync(join(installed!.installedDir, 'build', 'Release', 'tessera_native.node'))).toBe(false);
  });
});
