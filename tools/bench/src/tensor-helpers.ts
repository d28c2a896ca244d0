/**
 * Helpers shared by the kernel backends' benchmarks (native and wasm time the same work the same
 * way). This package has no dependencies, so everything tensor-specific — backends, `useBackend`,
 * `randn`, the ops, kernel definitions — is passed in by the caller; the types below only describe
 * the shapes the helpers need.
 */
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { BenchContext, BenchRow, Contender } from './index.js';

/** What the helpers need of a tensor: read it (forces the work) and free it. */
export interface BenchTensor {
  data(): Promise<unknown>;
  dispose(): void;
}

/** What the helpers need of a backend: a name and its kernel registrations. */
export interface BenchBackend<K extends { readonly def: { readonly name: string } } = { readonly def: { readonly name: string } }> {
  readonly name: string;
  readonly kernels: readonly K[];
}

/** Rounds to `digits` decimals (as the benchmark rows print). */
export function roundTo(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** How to make a {@link tensorContender}. */
export interface TensorContenderSpec<B, T extends BenchTensor> {
  /** Makes `backend` current (e.g. `useBackend` from `@tessera/tensor`). */
  useBackend: (backend: B) => unknown;
  /** Makes the inputs, once, on the backend (untimed). */
  make: () => T[];
  /** The timed call: its output(s) are read and disposed each call. */
  run: (inputs: T[]) => T | readonly T[];
  /** Collects the inputs, for the caller to dispose after measuring. */
  owned: T[];
}

/**
 * One contender that runs a tensor op through the public API on `backend`: inputs made once on it,
 * then per call `run(inputs)`, `await y.data()`, `y.dispose()`.
 *
 * @example
 * ```ts
 * const owned: Tensor[] = [];
 * const c = tensorContender(backend, { useBackend, make: () => [randn([64, 64], { seed: 1 })], run: ([x]) => gelu(x!), owned });
 * ```
 */
export function tensorContender<B, T extends BenchTensor>(backend: B, spec: TensorContenderSpec<B, T>): Contender {
  spec.useBackend(backend);
  const inputs = spec.make();
  spec.owned.push(...inputs);
  return {
    prepare: () => spec.useBackend(backend),
    run: async () => {
      const result = spec.run(inputs);
      const ys: readonly T[] = Array.isArray(result) ? result : [result as T];
      for (const y of ys) await y.data();
      for (const y of ys) y.dispose();
    },
  };
}

/**
 * The same backend under the name `<name><suffix>`, without the kernels named in `names`, so the
 * model's decomposition of those ops runs instead (other properties pass through, methods bound).
 */
export function withoutKernels<B extends BenchBackend<K>, K extends { readonly def: { readonly name: string } }>(
  target: B, names: ReadonlySet<string>, suffix: string,
): B {
  const kernels = target.kernels.filter((k) => !names.has(k.def.name));
  return new Proxy(target, {
    get(object, property) {
      if (property === 'name') return `${object.name}${suffix}`;
      if (property === 'kernels') return kernels;
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

/** Attention attributes as `@tessera/model`'s `attention` takes them. */
export interface BenchAttentionAttrs {
  readonly softmaxScale: number;
  readonly slopes: readonly number[] | null;
  readonly causal: boolean;
}

/** What {@link attentionRows} needs from the backend package and `@tessera/model`/`@tessera/tensor`. */
export interface AttentionBenchSpec<B extends BenchBackend, T extends BenchTensor> {
  /** The backend with the fused attention kernels, for a thread count. */
  createBackend: (threads: number) => Promise<B>;
  /** Names of the fused kernels (the backend's attention kernel definitions' `def.name`). */
  fusedKernelNames: Iterable<string>;
  useBackend: (backend: B) => unknown;
  randn: (shape: number[], options: { seed: number }) => T;
  alibiSlopes: (heads: number) => readonly number[];
  attention: (q: T, k: T, v: T, attrs: BenchAttentionAttrs) => T;
  /** The backward kernel, e.g. `(inputs, attrs) => runKernel(AttentionBackward, inputs, attrs)`. */
  attentionBackward: (inputs: [T, T, T, T, T], attrs: BenchAttentionAttrs) => readonly T[];
  /** `--seqs` default, e.g. `'256,1024'`. */
  defaultSeqs: string;
}

/**
 * Fused attention forward/backward against its decomposition (the same backend without the fused
 * kernels), causal ALiBi float32 at B=8 H=4 hd=64, for each `--threads` (default 1,2) and `--seqs`.
 * Yields rows `{ bench: 'attention', direction, shape, threads, fused_ms, decomposed_ms, ratio, load }`,
 * ratio = decomposed / fused.
 */
export async function* attentionRows<B extends BenchBackend, T extends BenchTensor>(
  context: BenchContext, spec: AttentionBenchSpec<B, T>,
): AsyncGenerator<BenchRow> {
  const fusedNames = new Set(spec.fusedKernelNames);
  const threadCounts = (context.flags.threads ?? '1,2').split(',').map(Number);
  const seqs = (context.flags.seqs ?? spec.defaultSeqs).split(',').map(Number);
  const [B, H, hd] = [8, 4, 64];
  for (const T of seqs) {
    for (const direction of ['forward', 'backward'] as const) {
      const contenders: Record<string, Contender> = {};
      const owned: T[] = [];
      for (const threads of threadCounts) {
        const fused = await spec.createBackend(threads);
        for (const [kind, backend] of [['fused', fused], ['decomposed', withoutKernels(fused, fusedNames, '-decomposed-attention')]] as const) {
          const attrs: BenchAttentionAttrs = { softmaxScale: 1 / Math.sqrt(hd), slopes: spec.alibiSlopes(H), causal: true };
          contenders[`${kind}/${threads}`] = tensorContender(backend, {
            useBackend: spec.useBackend,
            owned,
            make: () => {
              const [q, k, v, dOut] = [1, 2, 3, 4].map((seed) => spec.randn([B, H, T, hd], { seed })) as [T, T, T, T];
              return [q, k, v, dOut, spec.attention(q, k, v, attrs)];
            },
            run: ([q, k, v, dOut, out]) => (direction === 'forward'
              ? spec.attention(q!, k!, v!, attrs)
              : spec.attentionBackward([q!, k!, v!, out!, dOut!], attrs)),
          });
        }
      }
      context.log(`[attention] ${direction} T=${T}`);
      const seconds = await context.measure(contenders);
      for (const threads of threadCounts) {
        const fused = seconds[`fused/${threads}`]! * 1e3;
        const decomposed = seconds[`decomposed/${threads}`]! * 1e3;
        yield {
          bench: 'attention', direction, shape: `B${B} H${H} T${T} hd${hd} causal alibi`, threads, fused_ms: roundTo(fused),
          decomposed_ms: roundTo(decomposed), ratio: roundTo(decomposed / fused, 2), load: roundTo(loadavg()[0]!, 2),
        };
      }
      for (const t of owned) t.dispose();
    }
  }
}

/** One op timed by {@link timeOps}. */
export interface OpCase<T> {
  name: string;
  shape: string;
  make: () => T[];
  run: (...xs: T[]) => T;
}

/** The `@tessera/tensor` functions {@link mptOpCases} uses. */
export interface MptOpsApi<T> {
  randn(shape: number[], options: { seed: number }): T;
  tensor(data: Int32Array, shape: number[], dtype: 'int32'): T;
  layerNorm(x: T, weight: T): T;
  gelu(x: T, approximate: 'tanh'): T;
  softmax(x: T, axis: number): T;
  logSoftmax(x: T, axis: number): T;
  crossEntropy(logits: T, targets: T): T;
  sum(x: T, axis: number): T;
}

/**
 * The non-matmul kernels of an MPT training step at the benchmark config's sizes (batch 8 x
 * sequence 256 = 2048 rows, d_model 256, vocabulary 8192).
 */
export function mptOpCases<T>(api: MptOpsApi<T>): OpCase<T>[] {
  const rows = 2048;
  const d = 256;
  const vocab = 8192;
  return [
    { name: 'layerNorm', shape: `[${rows},${d}]`, make: () => [api.randn([rows, d], { seed: 1 }), api.randn([d], { seed: 2 })], run: (x, w) => api.layerNorm(x!, w!) },
    { name: 'gelu (tanh)', shape: `[${rows},${4 * d}]`, make: () => [api.randn([rows, 4 * d], { seed: 3 })], run: (x) => api.gelu(x!, 'tanh') },
    { name: 'softmax', shape: `[${rows},${vocab}]`, make: () => [api.randn([rows, vocab], { seed: 4 })], run: (x) => api.softmax(x!, -1) },
    { name: 'logSoftmax', shape: `[${rows},${vocab}]`, make: () => [api.randn([rows, vocab], { seed: 5 })], run: (x) => api.logSoftmax(x!, -1) },
    {
      name: 'crossEntropy', shape: `[${rows},${vocab}]`,
      make: () => [api.randn([rows, vocab], { seed: 6 }), api.tensor(Int32Array.from({ length: rows }, (_, i) => (i * 7919) % vocab), [rows], 'int32')],
      run: (x, t) => api.crossEntropy(x!, t!),
    },
    { name: 'sum over rows (bias grad)', shape: `[${rows},${4 * d}]`, make: () => [api.randn([rows, 4 * d], { seed: 7 })], run: (x) => api.sum(x!, 0) },
  ];
}

/**
 * Times each case on every backend in `backends` (keyed as the contenders are named) in the same
 * rounds, logging `[ops] <name>`; yields each case with its seconds per call by key. Inputs are
 * disposed after each case's rows are consumed.
 */
export async function* timeOps<B, T extends BenchTensor>(
  context: BenchContext, cases: readonly OpCase<T>[], backends: Record<string, B>, useBackend: (backend: B) => unknown,
): AsyncGenerator<{ case: OpCase<T>; seconds: Record<string, number> }> {
  for (const c of cases) {
    const owned: T[] = [];
    const contenders: Record<string, Contender> = {};
    for (const [key, backend] of Object.entries(backends)) {
      contenders[key] = tensorContender(backend, { useBackend, owned, make: c.make, run: (inputs) => c.run(...inputs) });
    }
    context.log(`[ops] ${c.name}`);
    const seconds = await context.measure(contenders);
    yield { case: c, seconds };
    for (const t of owned) t.dispose();
  }
}

/** The tfjs-core functions {@link matmulContenders} uses for its tfjs peer (pass `tf` itself). */
export interface TfjsMatmulApi<X extends BenchTensor> {
  randomNormal(shape: number[], mean: number, stdDev: number, dtype: 'float32', seed: number): X;
  matMul(a: X, b: X): X;
}

/** What {@link matmulContenders} needs. */
export interface MatmulContendersSpec<B, T extends BenchTensor, X extends BenchTensor> {
  shape: { m: number; k: number; n: number };
  /** Our backends keyed by contender name (e.g. `native/2`). */
  ours: Iterable<readonly [string, B]>;
  /** The reference backend, timed as `reference/1` when given. */
  reference?: B;
  useBackend: (backend: B) => unknown;
  randn: (shape: number[], options: { seed: number }) => T;
  matmul: (a: T, b: T) => T;
  /** tfjs-core with its wasm backend ready, timed as `tfjs-wasm/1` when given. */
  tfjs?: TfjsMatmulApi<X>;
}

/**
 * The matmul contenders for one shape: `matmul(a, b)` through the public API on each of ours (and
 * the reference backend), and tfjs `matMul` when requested; operands standard normals, seeds 1 and 2.
 * Call `dispose()` after measuring.
 */
export function matmulContenders<B, T extends BenchTensor, X extends BenchTensor>(
  spec: MatmulContendersSpec<B, T, X>,
): { contenders: Record<string, Contender>; dispose: () => void } {
  const { m, k, n } = spec.shape;
  const owned: T[] = [];
  const contender = (backend: B): Contender => tensorContender(backend, {
    useBackend: spec.useBackend,
    owned,
    make: () => [spec.randn([m, k], { seed: 1 }), spec.randn([k, n], { seed: 2 })],
    run: ([a, b]) => spec.matmul(a!, b!),
  });
  const contenders: Record<string, Contender> = {};
  for (const [key, backend] of spec.ours) contenders[key] = contender(backend);
  if (spec.reference !== undefined) contenders['reference/1'] = contender(spec.reference);
  const tfOperands: X[] = [];
  const tfjs = spec.tfjs;
  if (tfjs) {
    tfOperands.push(tfjs.randomNormal([m, k], 0, 1, 'float32', 1), tfjs.randomNormal([k, n], 0, 1, 'float32', 2));
    contenders['tfjs-wasm/1'] = {
      run: async () => {
        const c = tfjs.matMul(tfOperands[0]!, tfOperands[1]!);
        await c.data();
        c.dispose();
      },
    };
  }
  return {
    contenders,
    dispose: () => {
      for (const t of owned) t.dispose();
      for (const t of tfOperands) t.dispose();
    },
  };
}

/** What {@link readyTfjsWasm} needs: tfjs-core, tfjs-backend-wasm's setters, and where that package is. */
export interface TfjsWasmSetup {
  tf: { env(): { set(flag: string, value: boolean): void }; setBackend(name: string): Promise<boolean>; ready(): Promise<unknown> };
  setWasmPaths(prefix: string): void;
  setThreadsCount(threads: number): void;
  /** The resolved path of `@tensorflow/tfjs-backend-wasm/package.json` (resolve it from the caller). */
  packageJson: string;
}

/**
 * Makes tfjs's wasm backend (XNNPACK, SIMD) current in production mode with one thread (its
 * multithreaded build is not used under Node), loading the binaries from the package's `dist/`.
 * Throws if the backend does not initialise.
 */
export async function readyTfjsWasm(setup: TfjsWasmSetup): Promise<void> {
  setup.tf.env().set('PROD', true);
  setup.setWasmPaths(`${join(dirname(setup.packageJson), 'dist')}/`);
  setup.setThreadsCount(1);
  if (!(await setup.tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  await setup.tf.ready();
}
