/**
 * Package boundaries: the entry point's static import graph is browser-safe (Node built-ins are
 * reached only through the dynamic imports of fromPretrained/savePretrained), and the package
 * imports no Tessera package other than the tensor core.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].filter((m) => !/^(?:import|export)\s+type\s/.test(m[0])).map((m) => m[1]!);
}

describe('package boundaries', () => {
  it('the entry point reaches no Node built-in through static imports', () => {
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of staticImports(file)) {
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else external.add(spec);
      }
    };
    visit(join(SRC, 'index.ts'));
    expect(seen.size).toBeGreaterThan(15);
    expect([...seen].some((f) => f.endsWith('files.ts') || f.endsWith('pretrained.ts'))).toBe(false);
    expect([...external]).toEqual(['@tessera/tensor']);
  });
});
