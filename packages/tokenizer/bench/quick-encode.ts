/**
 * Quick single-thread encode speed check (not the package benchmark, which compares peers):
 * MB/s of `encode(doc).ids` for GPT-2 (and GPT-NeoX-20B when `../shared` has it), with the
 * piece cache cleared before each pass.
 *
 *   npx tsx --conditions=@tessera/source bench/quick-encode.ts [file.txt ...]
 *
 * Without arguments it uses the fixture corpus (Moby Dick chapters 1-12) and the fixture
 * strings, about 0.7 MB: small enough that the cache helps more than on real corpora.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@tessera/tokenizer';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'test', 'fixtures');
const neoxPath = join(here, '..', '..', '..', '..', 'shared', 'fixtures', 'tokenizer', 'gpt-neox-20b', 'tokenizer.json');

const files = process.argv.slice(2);
const docs =
  files.length > 0
    ? files.map((f) => readFileSync(f, 'utf8'))
    : [
        ...readFileSync(join(fixtures, 'train-small', 'corpus.txt'), 'utf8').split('\n'),
        ...readFileSync(join(fixtures, 'expected.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { text: string }).text),
      ];
const copies = files.length > 0 ? 1 : 5;
const corpus = Array.from({ length: copies }, (_, i) => docs.map((d) => (i === 0 ? d : `${i} ${d}`))).flat();
const bytes = corpus.reduce((n, d) => n + new TextEncoder().encode(d).length, 0);

const tokenizers: [string, string][] = [['gpt2', join(fixtures, 'gpt2-tokenizer.json')]];
if (existsSync(neoxPath)) tokenizers.push(['gpt-neox-20b', neoxPath]);
for (const [name, path] of tokenizers) {
  const tokenizer = Tokenizer.fromJSON(readFileSync(path));
  for (let pass = 0; pass < 3; pass++) {
    tokenizer.model.clearCache();
    const start = performance.now();
    let tokens = 0;
    for (const doc of corpus) tokens += tokenizer.encode(doc, { addSpecialTokens: false }).ids.length;
    const seconds = (performance.now() - start) / 1000;
    console.log(`${name.padEnd(13)} pass ${pass}: ${(bytes / 1e6 / seconds).toFixed(2)} MB/s (${(bytes / 1e6).toFixed(2)} MB, ${tokens} tokens)`);
  }
}
