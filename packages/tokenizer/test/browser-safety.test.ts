/**
 * Browser safety: no source file imports a Node built-in statically; `node:fs` and `node:path`
 * are only reached through `await import(...)` in `Tokenizer.fromFile` / `fromPretrained`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const sources = readdirSync(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
const NODE_BUILTINS = /^(node:|fs$|path$|os$|url$|module$|worker_threads$|crypto$|buffer$|process$)/;

describe('browser safety', () => {
  it('has no static import of a Node built-in', () => {
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      const text = readFileSync(join(src, file), 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)) {
        expect(NODE_BUILTINS.test(m[1]!), `${file} imports ${m[1]}`).toBe(false);
      }
      expect(/\brequire\(/.test(text), `${file} calls require`).toBe(false);
      expect(/\bBuffer\b|\bprocess\./.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')), `${file} uses Buffer or process`).toBe(false);
    }
  });

  it('reaches node:fs only through dynamic imports in the file loaders', () => {
    const dynamic = sources.flatMap((file) => [...readFileSync(join(src, file), 'utf8').matchAll(/await import\('([^']+)'\)/g)].map((m) => `${file}:${m[1]}`));
    expect(dynamic.sort()).toEqual(['tokenizer.ts:node:fs/promises', 'tokenizer.ts:node:fs/promises', 'tokenizer.ts:node:path']);
  });
});
