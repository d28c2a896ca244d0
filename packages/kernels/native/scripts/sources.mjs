/**
 * The fingerprint of what a binary is built from, shared by install.mjs and prebuild.mjs:
 * binding.gyp, every file in native/, the platform and the architecture. The Node ABI is left out
 * on purpose: the addon uses only Node-API, so one binary serves every Node version that has the
 * Node-API version it was built against.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Hex sha256 of the addon's sources for this platform and architecture. */
export function sourceHash(root) {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(root, 'binding.gyp')));
  for (const file of readdirSync(join(root, 'native')).sort()) {
    hash.update(file);
    hash.update(readFileSync(join(root, 'native', file)));
  }
  hash.update(JSON.stringify([process.platform, process.arch]));
  return hash.digest('hex');
}

/** Where this platform's prebuilt binary and its description live. */
export function prebuildPaths(root) {
  const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  return { dir, binary: join(dir, 'tessera_native.node'), meta: join(dir, 'tessera_native.json') };
}
