/**
 * Any module may be loaded first. Modules import each other in cycles (ops <-> engine), so a
 * top-level use of a binding from a module still being evaluated would throw at load time; this
 * test loads each source module as the entry point of a fresh module graph.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const globals = ['tessera.kernel-registry.v1', 'tessera.engine.v1', 'tessera.random.v1'].map((k) => Symbol.for(k));

describe('load order', () => {
  for (const path of modules(src)) {
    it(relative(src, path), async () => {
      vi.resetModules();
      for (const key of globals) delete (globalThis as Record<symbol, unknown>)[key];
      await import(/* @vite-ignore */ path);
      const t = await import('../src/index.js');
      const logits = t.tensor([[1, 2, 3], [1, 0, -1]]);
      const { value, grads } = t.valueAndGrad((x: InstanceType<typeof t.Tensor>) => t.crossEntropy(t.gelu(x), t.tensor([2, 0], [2], 'int32')))(logits);
      expect(Number.isFinite(await value.item())).toBe(true);
      expect(grads[0].shape).toEqual([2, 3]);
    });
  }
});
