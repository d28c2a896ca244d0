#!/usr/bin/env node
/**
 * Compiles assembly/ (AssemblyScript) into the two WebAssembly modules the package loads:
 *   wasm/tessera-kernels.wasm         imports a shared memory (threads: Node, cross-origin-isolated pages)
 *   wasm/tessera-kernels-single.wasm  imports an unshared memory (pages without SharedArrayBuffer)
 * with the assemblyscript version pinned in package.json. Skips the compile when a stamp (hash of
 * the sources, compiler version and flags) says nothing changed; `--force` recompiles.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'assembly');
const outDir = join(root, 'wasm');
const require = createRequire(import.meta.url);
const ascVersion = JSON.parse(readFileSync(require.resolve('assemblyscript/package.json'), 'utf8')).version;

// Memory: 1 initial page (the JavaScript side grows it), at most 65536 pages (4 GiB, wasm32's limit).
const COMMON = ['--optimizeLevel', '3', '--shrinkLevel', '0', '--noAssert', '--runtime', 'stub', '--importMemory',
  '--initialMemory', '1', '--maximumMemory', '65536', '--enable', 'simd,threads'];
const VARIANTS = [
  { file: 'tessera-kernels.wasm', flags: ['--sharedMemory'] },
  { file: 'tessera-kernels-single.wasm', flags: [] },
];

const sources = readdirSync(sourceDir).filter((f) => f.endsWith('.ts')).sort();
const hash = createHash('sha256');
hash.update(`asc ${ascVersion}\n${JSON.stringify(COMMON)}\n${JSON.stringify(VARIANTS)}\n`);
for (const file of sources) hash.update(`${file}\n`).update(readFileSync(join(sourceDir, file)));
const stamp = hash.digest('hex');
const stampFile = join(outDir, 'build.stamp');

const force = process.argv.includes('--force');
const upToDate = !force && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp
  && VARIANTS.every((v) => existsSync(join(outDir, v.file)));
if (upToDate) {
  console.log(`build-wasm: up to date (assemblyscript ${ascVersion})`);
  process.exit(0);
}

const asc = (await import('assemblyscript/asc')).default;
mkdirSync(outDir, { recursive: true });
for (const variant of VARIANTS) {
  const temporary = join(outDir, `.${variant.file}.${process.pid}.tmp`);
  const { error, stderr } = await asc.main([join(sourceDir, 'index.ts'), '--outFile', temporary, ...COMMON, ...variant.flags]);
  if (error) {
    console.error(`build-wasm: assemblyscript ${ascVersion} failed on ${variant.file}: ${error.message}\n${stderr.toString()}`);
    process.exit(1);
  }
  renameSync(temporary, join(outDir, variant.file));
  console.log(`build-wasm: wrote wasm/${variant.file} (${readFileSync(join(outDir, variant.file)).length} bytes)`);
}
writeFileSync(stampFile, `${stamp}\n`);
