/**
 * @tessera/tokenizer as a user gets it: pack, install alone into an empty npm project (its one
 * runtime dependency, @huggingface/jinja, comes from the registry), then tokenize with a
 * tokenizer.json from plain Node ESM and compare with the workspace's ids.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '@tessera/tokenizer';
import { type InstalledPackage, packAndInstall, run } from './pack-and-install.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = join(repoRoot, 'packages/tokenizer/test/fixtures/tokenizer.json');
const text = 'Mr. Speaker, the state of the Union is strong.';

describe('@tessera/tokenizer packed and installed into an empty npm project', () => {
  let installed: InstalledPackage | undefined;

  beforeAll(() => {
    installed = packAndInstall({ repoRoot, name: '@tessera/tokenizer', directory: 'packages/tokenizer', offline: false });
  });

  afterAll(() => installed?.cleanup());

  it('loads a tokenizer.json and gives the same ids as the workspace build', async () => {
    const project = installed!.projectDir;
    copyFileSync(fixture, join(project, 'tokenizer.json'));
    const script = [
      "import { Tokenizer } from '@tessera/tokenizer';",
      "const tok = await Tokenizer.fromFile('tokenizer.json');",
      `const ids = tok.encode(${JSON.stringify(text)}).ids;`,
      'console.log(JSON.stringify({ ids: Array.from(ids), decoded: tok.decode(ids) }));',
    ].join('\n');
    const out = run('node', ['--input-type=module', '-e', script], project);
    const got = JSON.parse(out.trim().split('\n').pop()!) as { ids: number[]; decoded: string };
    const expected = (await Tokenizer.fromFile(fixture)).encode(text).ids;
    expect(got.ids).toEqual(Array.from(expected));
    expect(got.decoded).toBe(text);
  });
});
