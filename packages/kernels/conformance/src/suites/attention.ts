/**
 * `describeAttention`: a backend's fused attention (forward and backward) against the model's
 * decomposition run in float64 on the reference backend. The model owns the definitions
 * (`Attention`, `AttentionBackward`, `alibiSlopes` in @tessera/model); this package does not
 * depend on it, so the caller passes them in.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend, findKernel, randn, runKernel, tensor, type Backend, type DType, type KernelDef, type KernelRegistration, type Tensor } from '@tessera/tensor';
import { onBackend } from '../host.js';

/** The attributes of the model's `Attention` / `AttentionBackward` (`AttentionAttrs` there). @example `{ softmaxScale: 0.125, slopes: null, causal: true }` */
export interface AttentionAttrs {
  readonly softmaxScale: number;
  /** ALiBi slope per query head, or null for no positional bias. */
  readonly slopes: readonly number[] | null;
  readonly causal: boolean;
}

/** The model's definitions {@link describeAttention} runs, passed in by the caller. @example `{ Attention, AttentionBackward, alibiSlopes }` from @tessera/model */
export interface AttentionDefinitions {
  /** Inputs `[q, k, v, keyMask?]`, output `[out]`. */
  readonly Attention: KernelDef<AttentionAttrs>;
  /** Inputs `[q, k, v, out, dOut, keyMask?]`, outputs `[dq, dk, dv]`. */
  readonly AttentionBackward: KernelDef<AttentionAttrs>;
  /** ALiBi slopes for `nHeads` query heads. */
  readonly alibiSlopes: (nHeads: number) => readonly number[];
}

/**
 * One attention problem: batch `B`, `H` query heads sharing `G` key/value heads, `Tq` queries,
 * `Tk` keys, head size `hd`. @example `{ B: 1, H: 4, G: 2, Tq: 20, Tk: 45, hd: 33, causal: false, alibi: true, mask: true }`
 */
export interface AttentionCase {
  B: number; H: number; G: number; Tq: number; Tk: number; hd: number; causal: boolean; alibi: boolean;
  /** With a key mask: the first keys of batch entry 0 hidden (so the first causal rows see no key), random holes elsewhere. */
  mask?: boolean;
}

/**
 * The default cases of {@link describeAttention}: MHA / GQA / MQA, causal or not, with and without
 * ALiBi and a key mask (rows that see no key included), Tq < Tk, Tq > Tk without the causal mask,
 * a single query, odd head sizes and several key tiles.
 *
 * @example `ATTENTION_CASES.length // 10`
 */
export const ATTENTION_CASES: readonly AttentionCase[] = [
  { B: 2, H: 4, G: 4, Tq: 70, Tk: 70, hd: 16, causal: true, alibi: true },
  { B: 1, H: 6, G: 2, Tq: 33, Tk: 33, hd: 8, causal: true, alibi: true },
  { B: 2, H: 3, G: 1, Tq: 5, Tk: 131, hd: 5, causal: true, alibi: true },
  { B: 1, H: 2, G: 2, Tq: 1, Tk: 77, hd: 64, causal: true, alibi: true },
  { B: 2, H: 2, G: 2, Tq: 67, Tk: 130, hd: 13, causal: false, alibi: false },
  { B: 1, H: 4, G: 2, Tq: 20, Tk: 45, hd: 33, causal: false, alibi: true, mask: true },
  { B: 3, H: 2, G: 1, Tq: 66, Tk: 66, hd: 7, causal: true, alibi: true, mask: true },
  { B: 1, H: 1, G: 1, Tq: 129, Tk: 129, hd: 32, causal: true, alibi: false, mask: true },
  { B: 1, H: 1, G: 1, Tq: 40, Tk: 129, hd: 32, causal: true, alibi: false, mask: true },
  { B: 1, H: 2, G: 1, Tq: 70, Tk: 20, hd: 8, causal: false, alibi: true },
];

/** What a {@link describeAttention} factory is asked for: a thread count and, when the suite runs per path, the path. */
export interface AttentionBackendRequest {
  readonly threads: 1 | 2;
  /** One of {@link AttentionSuiteOptions.paths}, or undefined for the backend's default. */
  readonly path?: string;
}

/** Options of {@link describeAttention}. @example `{ paths: ['scalar', 'avx2'] }` */
export interface AttentionSuiteOptions {
  /** The cases to run (default {@link ATTENTION_CASES}). */
  cases?: readonly AttentionCase[];
  /** Code paths (ISA variants, say) to run every case on, each in its own `<path> path` block; default: one run on the default path. */
  paths?: readonly string[];
  /** When set, the whole block is skipped and this reason is printed in its title. */
  skip?: string;
}

/** The reference: the decomposition (no fused attention registered under this name), float64. */
class Decomposed extends CpuBackend {
  override readonly name: string = 'cpu-attention-decomposed';
  override readonly kernels: readonly KernelRegistration<Backend>[] = new CpuBackend().kernels;
}

/** A case's label in test titles. @example `attentionCaseLabel(ATTENTION_CASES[0]!) // 'B2 H4 G4 Tq70 Tk70 hd16 causal alibi'` */
export const attentionCaseLabel = (c: AttentionCase): string =>
  `B${c.B} H${c.H} G${c.G} Tq${c.Tq} Tk${c.Tk} hd${c.hd}${c.causal ? ' causal' : ''}${c.alibi ? ' alibi' : ''}${c.mask ? ' keyMask' : ''}`;

interface Host {
  q: Float64Array; k: Float64Array; v: Float64Array; dOut: Float64Array; mask: boolean[] | null; attrs: AttentionAttrs;
}

/**
 * The largest absolute difference over the largest reference magnitude.
 * @example `relativeError(Float64Array.of(1.5), Float64Array.of(1)) // 0.5`
 */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`relativeError: got ${got.length} values, want ${want.length}`);
  let diff = 0, scale = 1e-30;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / scale;
}

/**
 * Define a vitest `describe` block (`<name> fused attention`) checking the backend's fused
 * `Attention` and `AttentionBackward`: that they are what runs (not the decomposition); that on
 * every case (and every path in `options.paths`) float32 is within 2e-5 and float64 within 1e-12
 * (relative to the largest magnitude) of the float64 decomposition on the reference, with 1 and 2
 * threads giving identical float32 bits; and that a problem large enough to be split between
 * threads gives identical bits too.
 *
 * @example
 * ```ts
 * // packages/kernels/wasm/test/attention.test.ts
 * import { Attention, AttentionBackward, alibiSlopes } from '@tessera/model';
 * describeAttention('wasm', ({ threads }) => createWasmBackend({ threads }), { Attention, AttentionBackward, alibiSlopes });
 * ```
 */
export function describeAttention(
  name: string,
  factory: (request: AttentionBackendRequest) => Backend | Promise<Backend>,
  definitions: AttentionDefinitions,
  options: AttentionSuiteOptions = {},
): void {
  const cases = options.cases ?? ATTENTION_CASES;
  let seed = 1;
  const host = async (c: AttentionCase): Promise<Host> => {
    const values = async (shape: number[]): Promise<Float64Array> => Float64Array.from(await randn(shape, { seed: seed++ }).data());
    const q = await values([c.B, c.H, c.Tq, c.hd]);
    const k = await values([c.B, c.G, c.Tk, c.hd]);
    const v = await values([c.B, c.G, c.Tk, c.hd]);
    const dOut = await values([c.B, c.H, c.Tq, c.hd]);
    // The first keys of batch entry 0 hidden (so the first causal rows see nothing), random holes elsewhere.
    const mask = c.mask ? Array.from({ length: c.B * c.Tk }, (_, i) => (i < c.Tk && i < 3 + c.Tk - c.Tq ? false : (i * 7919) % 5 !== 0)) : null;
    const attrs: AttentionAttrs = { softmaxScale: 1 / Math.sqrt(c.hd) + 0.1, slopes: c.alibi ? definitions.alibiSlopes(c.H) : null, causal: c.causal };
    return { q, k, v, dOut, mask, attrs };
  };

  /** Forward and backward on `backend` in `dtype`: [out, dq, dk, dv] as float64 arrays. */
  const run = async (backend: Backend, c: AttentionCase, h: Host, dtype: DType): Promise<Float64Array[]> => onBackend(backend, async () => {
    const q = tensor(h.q, [c.B, c.H, c.Tq, c.hd], dtype);
    const k = tensor(h.k, [c.B, c.G, c.Tk, c.hd], dtype);
    const v = tensor(h.v, [c.B, c.G, c.Tk, c.hd], dtype);
    const dOut = tensor(h.dOut, [c.B, c.H, c.Tq, c.hd], dtype);
    const mask = h.mask ? [tensor(h.mask, [c.B, c.Tk], 'bool')] : [];
    const [out] = runKernel(definitions.Attention, [q, k, v, ...mask], h.attrs);
    const grads = runKernel(definitions.AttentionBackward, [q, k, v, out!, dOut, ...mask], h.attrs);
    const result: Float64Array[] = [];
    for (const t of [out!, ...grads] as Tensor[]) result.push(Float64Array.from(await t.data()));
    for (const t of [q, k, v, dOut, ...mask, out!, ...grads] as Tensor[]) t.dispose();
    return result;
  });

  const block = options.skip === undefined ? describe : describe.skip;
  block(`${name} fused attention${options.skip === undefined ? '' : ` (skipped: ${options.skip})`}`, () => {
    const reference = new Decomposed();

    it(`is what runs on the ${name} backend (both directions)`, async () => {
      const backend = await factory({ threads: 1 });
      await onBackend(backend, () => {}); // a backend's kernels are registered when it is first used
      expect(findKernel(definitions.Attention, backend)).toBeDefined();
      expect(findKernel(definitions.AttentionBackward, backend)).toBeDefined();
      expect(findKernel(definitions.Attention, reference)).toBeUndefined();
      expect(findKernel(definitions.AttentionBackward, reference)).toBeUndefined();
    });

    const casesOn = (path: string | undefined): void => {
      let one: Backend | undefined;
      let two: Backend | undefined;
      beforeAll(async () => {
        one = await factory(path === undefined ? { threads: 1 } : { threads: 1, path });
        two = await factory(path === undefined ? { threads: 2 } : { threads: 2, path });
      });
      for (const c of cases) {
        it(`float32 (1 and 2 threads) and float64 match the decomposition: ${attentionCaseLabel(c)}`, async () => {
          const h = await host(c);
          const want = await run(reference, c, h, 'float64');
          const got1 = await run(one!, c, h, 'float32');
          const got2 = await run(two!, c, h, 'float32');
          const got64 = await run(two!, c, h, 'float64');
          ['out', 'dq', 'dk', 'dv'].forEach((output, i) => {
            expect(relativeError(got1[i]!, want[i]!), `float32 ${output}`).toBeLessThan(2e-5);
            expect(Array.from(got2[i]!), `float32 ${output}, 2 threads`).toEqual(Array.from(got1[i]!));
            expect(relativeError(got64[i]!, want[i]!), `float64 ${output}`).toBeLessThan(1e-12);
          });
        });
      }
    };
    if (options.paths === undefined) casesOn(undefined);
    else for (const path of options.paths) describe(`${path} path`, () => casesOn(path));

    it('gives the same bits on 1 and 2 threads when the work is split between threads', async () => {
      const c: AttentionCase = { B: 2, H: 4, G: 2, Tq: 100, Tk: 100, hd: 32, causal: true, alibi: true };
      const h = await host(c);
      const a = await run(await factory({ threads: 1 }), c, h, 'float32');
      const b = await run(await factory({ threads: 2 }), c, h, 'float32');
      a.forEach((x, i) => expect(Array.from(b[i]!)).toEqual(Array.from(x)));
      const want = await run(reference, c, h, 'float64');
      a.forEach((x, i) => expect(relativeError(x, want[i]!)).toBeLessThan(2e-5));
    });
  });
}
