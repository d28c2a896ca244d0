/**
 * Attention forward and backward: the WASM fused kernels (FlashAttention-style tiles) against the
 * model's decomposition (matmul, masks, softmax... as separate wasm kernels) on the same backend,
 * 1 and 2 threads, milliseconds per call through the public API (`attention(...)` /
 * `runKernel(AttentionBackward, ...)` and reading the outputs). Causal, ALiBi, float32.
 * ratio = decomposed ms / fused ms (the fused speed-up).
 *
 * Flags: --threads=1,2  --seqs=256 (B=8, H=4, hd=64)
 */
import { loadavg } from 'node:os';
import { alibiSlopes, attention, AttentionBackward, type AttentionAttrs } from '@tessera/model';
import { randn, runKernel, useBackend, type Backend, type KernelRegistration, type Tensor } from '@tessera/tensor';
import { createWasmBackend } from '../src/index.js';
import { attentionKernels } from '../src/kernels/attention.js';
import type { Benchmark, Contender } from './run.js';

const fusedNames = new Set(attentionKernels.map((k) => k.def.name));

/** The same wasm backend under another name, without the fused attention: the decomposition runs. */
function withoutFusedAttention(target: Backend): Backend {
  const kernels: KernelRegistration<Backend>[] = target.kernels.filter((k) => !fusedNames.has(k.def.name));
  return new Proxy(target, {
    get(object, property) {
      if (property === 'name') return `${object.name}-decomposed-attention`;
      if (property === 'kernels') return kernels;
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

export const attentionBench: Benchmark = {
  name: 'attention',
  description: 'fused attention forward/backward vs its decomposition on the wasm backend, ms per call; ratio = decomposed / fused',
  async *run(context) {
    const threadCounts = (context.flags.threads ?? '1,2').split(',').map(Number);
    const seqs = (context.flags.seqs ?? '256').split(',').map(Number);
    const [B, H, hd] = [8, 4, 64];
    for (const T of seqs) {
      for (const direction of ['forward', 'backward'] as const) {
        const contenders: Record<string, Contender> = {};
        const owned: Tensor[] = [];
        for (const threads of threadCounts) {
          const fused = await createWasmBackend({ threads });
          for (const [kind, backend] of [['fused', fused], ['decomposed', withoutFusedAttention(fused)]] as const) {
            useBackend(backend);
            const attrs: AttentionAttrs = { softmaxScale: 1 / Math.sqrt(hd), slopes: alibiSlopes(H), causal: true };
            const [q, k, v, dOut] = [1, 2, 3, 4].map((seed) => randn([B, H, T, hd], { seed }));
            const out = attention(q!, k!, v!, attrs);
            owned.push(q!, k!, v!, dOut!, out);
            contenders[`${kind}/${threads}`] = {
              prepare: () => useBackend(backend),
              run: async () => {
                const ys = direction === 'forward' ? [attention(q!, k!, v!, attrs)] : runKernel(AttentionBackward, [q!, k!, v!, out, dOut!], attrs);
                for (const y of ys) await y.data();
                for (const y of ys) y.dispose();
              },
            };
          }
        }
        context.log(`[attention] ${direction} T=${T}`);
        const seconds = await context.measure(contenders);
        for (const threads of threadCounts) {
          const fused = seconds[`fused/${threads}`]! * 1e3;
          const decomposed = seconds[`decomposed/${threads}`]! * 1e3;
          yield {
            bench: 'attention', direction, shape: `B${B} H${H} T${T} hd${hd} causal alibi`, threads, fused_ms: round(fused),
            decomposed_ms: round(decomposed), ratio: round(decomposed / fused, 2), load: round(loadavg()[0]!, 2),
          };
        }
        for (const t of owned) t.dispose();
      }
    }
  },
};

function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
