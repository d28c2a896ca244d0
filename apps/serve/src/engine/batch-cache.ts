/**
 * The KV cache of the running batch: per layer K and V [B, G, L, hd], one row per sequence,
 * left-padded so that every row ends at column L - 1, plus the key padding mask [B][L].
 *
 * `@tessera/model`'s KVCache holds one batch that only grows; continuous batching also needs to
 * drop rows (a sequence finished or was cancelled) and add rows (a prefilled request joins).
 * This subclass keeps its own tensors behind the same public interface that `forward` uses
 * (`append`, `advance`, `length`, `batchSize`, `mask`), so the model runs it unchanged, and adds
 * one operation for between decode steps:
 *
 *   BatchCache.compose([{ cache, rows }, ...])
 *     a new cache holding the listed rows of each cache in order (an index may repeat: `n`
 *     choices share one prefill). Each row keeps only its real (unpadded) positions, right
 *     aligned; the new length is the longest row, so padding that every row had is dropped.
 *     Dropping finished rows and adding prefilled ones is one copy of the cache, not three.
 *
 * With ALiBi the score of key j for query i depends on i - j only, and padding sits on the left
 * of every row, so shifting a row right by padding changes nothing; learned positions are
 * recomputed by `forward` from the padding count of each row.
 */
import { concat, contiguous, CpuBackend, getBackend, keep, scope, slice, tensor, zeros, type Tensor } from '@tessera/tensor';
import { KVCache } from '@tessera/model';

/**
 * True for float32 tensors on the reference CPU backend, whose Concat kernel computes a strided
 * offset per element: there, block copies of typed arrays are about twice as fast (1.4 ms
 * against 2.6 ms to grow a [32, 4, 70, 16] cache by one position, which happens for K and V of
 * every layer at every step). Backends with a fast Concat (the native one: 0.08 ms) use it.
 */
function hostFloat32(xs: readonly Tensor[]): boolean {
  return getBackend() instanceof CpuBackend && xs.every((x) => x.dtype === 'float32');
}

/** `concat`, as typed-array block copies where {@link hostFloat32} says that is faster. */
export function joinTensors(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 1) return contiguous(xs[0]!, true);
  if (!hostFloat32(xs)) return concat(xs, axis);
  const shape = [...xs[0]!.shape];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const total = xs.reduce((n, x) => n + x.shape[axis]!, 0);
  const out = new Float32Array(outer * total * inner);
  let start = 0;
  for (const x of xs) {
    const data = x.dataSync() as Float32Array;
    const block = x.shape[axis]! * inner;
    for (let o = 0; o < outer; o++) out.set(data.subarray(o * block, (o + 1) * block), (o * total + start) * inner);
    start += x.shape[axis]!;
  }
  shape[axis] = total;
  return tensor(out, shape, 'float32');
}

/** Rows of one cache to put into a composed cache. */
export interface CacheRows {
  readonly cache: BatchCache;
  readonly rows: readonly number[];
}

export class BatchCache extends KVCache {
  #keys: (Tensor | null)[];
  #values: (Tensor | null)[];
  #length = 0;

  constructor(nLayers: number) {
    super(nLayers);
    this.#keys = new Array<Tensor | null>(nLayers).fill(null);
    this.#values = new Array<Tensor | null>(nLayers).fill(null);
  }

  override get length(): number {
    return this.#length;
  }

  override get batchSize(): number | null {
    return this.#keys[0]?.shape[0] ?? null;
  }

  override append(layer: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
    const pastK = this.#keys[layer];
    const pastV = this.#values[layer];
    const nextK = keep(pastK ? joinTensors([pastK, k], 2) : contiguous(k, true));
    const nextV = keep(pastV ? joinTensors([pastV, v], 2) : contiguous(v, true));
    pastK?.dispose();
    pastV?.dispose();
    this.#keys[layer] = nextK;
    this.#values[layer] = nextV;
    return [nextK, nextV];
  }

  override advance(steps: number): void {
    this.#length += steps;
  }

  override get bytes(): number {
    let total = 0;
    for (const t of [...this.#keys, ...this.#values]) if (t) total += t.size * (t.dtype === 'float16' || t.dtype === 'bfloat16' ? 2 : t.dtype === 'float64' ? 8 : 4);
    return total;
  }

  override dispose(): void {
    for (const t of [...this.#keys, ...this.#values]) t?.dispose();
    this.#keys.fill(null);
    this.#values.fill(null);
    this.#length = 0;
    this.mask = null;
    super.dispose();
  }

  /** Real (unpadded) positions of row `b`: padding is on the left, so they are the last ones. */
  realLength(b: number): number {
    const row = this.mask?.[b];
    if (!row) return this.#length;
    let n = 0;
    for (const m of row) if (m) n++;
    return n;
  }

  /**
   * A new cache with the listed rows of each part, in order; the parts are not changed.
   *
   * @example
   * ```ts
   * const next = BatchCache.compose([{ cache: running, rows: [0, 2] }, { cache: prefill, rows: [0, 0, 1] }]);
   * ```
   */
  static compose(parts: readonly CacheRows[]): BatchCache {
    const used = parts.filter((p) => p.rows.length > 0 && p.cache.batchSize !== null);
    const nLayers = parts[0]?.cache.nLayers ?? 0;
    const out = new BatchCache(nLayers);
    if (used.length === 0) return out;
    const lengths = used.map((p) => p.rows.map((r) => p.cache.realLength(r)));
    const L = Math.max(...lengths.flat());
    const sources = (layer: number, kind: 'k' | 'v'): Tensor[] => used.map((p) => (kind === 'k' ? p.cache.#keys[layer]! : p.cache.#values[layer]!));
    const host = hostFloat32(sources(0, 'k'));
    scope(() => {
      for (let layer = 0; layer < nLayers; layer++) {
        out.#keys[layer] = keep(host ? composeHost(used, lengths, sources(layer, 'k'), L) : composeOps(used, lengths, sources(layer, 'k'), L));
        out.#values[layer] = keep(host ? composeHost(used, lengths, sources(layer, 'v'), L) : composeOps(used, lengths, sources(layer, 'v'), L));
      }
    });
    out.#length = L;
    const mask = lengths.flat().map((n) => [...new Array<boolean>(L - n).fill(false), ...new Array<boolean>(n).fill(true)]);
    out.mask = mask.every((row) => row[0]) ? null : mask;
    return out;
  }
}

/** compose for one layer's K or V with block copies on the host. */
function composeHost(parts: readonly CacheRows[], lengths: number[][], sources: Tensor[], L: number): Tensor {
  const [, G, , hd] = sources[0]!.shape as [number, number, number, number];
  const B = lengths.reduce((n, l) => n + l.length, 0);
  const out = new Float32Array(B * G * L * hd);
  let b = 0;
  parts.forEach((part, p) => {
    const data = sources[p]!.dataSync() as Float32Array;
    const Lp = sources[p]!.shape[2]!;
    part.rows.forEach((r, i) => {
      const n = lengths[p]![i]!;
      for (let g = 0; g < G; g++) {
        const from = ((r * G + g) * Lp + (Lp - n)) * hd;
        out.set(data.subarray(from, from + n * hd), ((b * G + g) * L + (L - n)) * hd);
      }
      b++;
    });
  });
  return tensor(out, [B, G, L, hd], 'float32');
}

/** compose for one layer's K or V with tensor ops (any backend and dtype). */
function composeOps(parts: readonly CacheRows[], lengths: number[][], sources: Tensor[], L: number): Tensor {
  const rows: Tensor[] = [];
  parts.forEach((part, p) => {
    const source = sources[p]!;
    const [, G, Lp, hd] = source.shape as [number, number, number, number];
    part.rows.forEach((r, i) => {
      const n = lengths[p]![i]!;
      const real = slice(slice(source, 0, r, r + 1), 2, Lp - n, Lp);
      rows.push(n < L ? concat([zeros([1, G, L - n, hd], source.dtype), real], 2) : real);
    });
  });
  return concat(rows, 0);
}
