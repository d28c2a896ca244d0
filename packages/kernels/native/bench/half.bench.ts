/**
 * bfloat16 weights in a linear layer, y = x W^T with W [2048, 2048] stored as bfloat16 and x
 * [M, 2048] bfloat16 (what a model loaded with `dtype: 'bfloat16'` multiplies), on the native
 * backend, milliseconds per call through the public API (`matmul(x, transpose(w))`, reading y):
 *   half     Matmul reads the bf16 operands as stored (its registration's `half` flag): converted
 *            while packing, float32 accumulation, one rounding at the store;
 *   cast-up  the same backend with Matmul registered without the flag: the engine casts x and W to
 *            float32 copies, multiplies, casts y down (the behaviour before half storage);
 *   f32      float32 x and W (the float32 model), for scale.
 * M = 1 is a decoding step, M = 256 a prefill/training-sized product. 1 and 2 threads.
 * ratios: cast-up / half (the speed-up of the half path) and f32 / half.
 *
 * Flags: --threads=1,2  --rows=1,256  --size=2048
 */
import { loadavg } from 'node:os';
import { cast, findKernel, kernels as K, matmul, randn, transpose, useBackend, type Backend, type KernelRegistration, type Tensor } from '@tessera/tensor';
import { createNativeBackend } from '../src/index.js';
import type { Benchmark, Contender } from './run.js';

/** The same native backend under another name, with Matmul registered without the half flag. */
function castingUp(target: Backend): Backend {
  const kernels: KernelRegistration<Backend>[] = target.kernels.map((k) => {
    if (k.def.name !== K.Matmul.name) return k;
    const { half: _, ...rest } = k;
    return rest;
  });
  return new Proxy(target, {
    get(object, property) {
      if (property === 'name') return `${object.name}-cast-up`;
      if (property === 'kernels') return kernels;
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

export const halfBench: Benchmark = {
  name: 'half',
  description: 'x [M, N] @ W^T [N, N], bfloat16 weights: half-storage Matmul vs casting up (and float32), ms per call; ratio = other / half',
  async *run(context) {
    const threadCounts = (context.flags.threads ?? '1,2').split(',').map(Number);
    const rowCounts = (context.flags.rows ?? '1,256').split(',').map(Number);
    const n = Number(context.flags.size ?? 2048);
    for (const m of rowCounts) {
      const contenders: Record<string, Contender> = {};
      const owned: Tensor[] = [];
      for (const threads of threadCounts) {
        const native = await createNativeBackend({ threads, fallback: 'throw' });
        const variants = [['half', native, 'bfloat16'], ['castup', castingUp(native), 'bfloat16'], ['f32', native, 'float32']] as const;
        for (const [kind, backend, dtype] of variants) {
          useBackend(backend);
          if (kind === 'half' && !findKernel(K.Matmul, backend)?.half) throw new Error('expected the native Matmul to handle half storage');
          const x = cast(randn([m, n], { seed: 1 }), dtype);
          const w = cast(randn([n, n], { seed: 2 }), dtype);
          owned.push(x, w);
          contenders[`${kind}/${threads}`] = {
            prepare: () => useBackend(backend),
            run: async () => {
              const y = matmul(x, transpose(w));
              await y.data();
              y.dispose();
            },
          };
        }
      }
      context.log(`[half] M=${m}`);
      const seconds = await context.measure(contenders);
      for (const threads of threadCounts) {
        const [half, castUp, f32] = ['half', 'castup', 'f32'].map((kind) => seconds[`${kind}/${threads}`]! * 1e3) as [number, number, number];
        yield {
          bench: 'half', shape: `[${m}, ${n}] @ [${n}, ${n}]^T bf16`, threads, half_ms: round(half), castup_ms: round(castUp), f32_ms: round(f32),
          'castup/half': round(castUp / half, 2), 'f32/half': round(f32 / half, 2), load: round(loadavg()[0]!, 2),
        };
      }
      for (const t of owned) t.dispose();
    }
  },
};

function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
