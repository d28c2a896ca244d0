/**
 * The key/value cache for incremental decoding: per layer, the keys and values of every position
 * seen so far, K and V [B, G, T, hd] (key/value heads only, before the grouped-query expansion;
 * after clip_qkv and qk_ln), plus the key padding mask. The tensors are owned by the cache
 * (outside every scope) until {@link KVCache.dispose}.
 */
import { concat, contiguous, keep, type Tensor } from '@tessera/tensor';

/**
 * A KV cache. Create one with `model.createCache()` and pass it to `forward` repeatedly.
 *
 * @example
 * ```ts
 * const cache = model.createCache();
 * model.forward([[1, 2, 3]], { cache });     // prefill: cache.length === 3
 * model.forward([[4]], { cache });           // one step: cache.length === 4
 * cache.dispose();
 * ```
 */
export class KVCache {
  readonly #keys: (Tensor | null)[];
  readonly #values: (Tensor | null)[];
  /** Key padding mask [B][length] (true = attend), or null while every key is visible. */
  mask: boolean[][] | null = null;
  #length = 0;

  constructor(readonly nLayers: number) {
    this.#keys = new Array<Tensor | null>(nLayers).fill(null);
    this.#values = new Array<Tensor | null>(nLayers).fill(null);
  }

  /** Positions cached so far (the past length of the next forward). */
  get length(): number {
    return this.#length;
  }

  /** Batch size of the cached tensors, or null while empty. */
  get batchSize(): number | null {
    return this.#keys[0]?.shape[0] ?? null;
  }

  /**
   * Append this step's keys and values for `layer` and return the full K and V.
   *
   * @example
   * ```ts
   * const [kAll, vAll] = cache.append(0, k, v); // [B, G, past + T, hd]
   * ```
   */
  append(layer: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
    const pastK = this.#keys[layer];
    const pastV = this.#values[layer];
    const nextK = keep(pastK ? concat([pastK, k], 2) : contiguous(k, true));
    const nextV = keep(pastV ? concat([pastV, v], 2) : contiguous(v, true));
    pastK?.dispose();
    pastV?.dispose();
    this.#keys[layer] = nextK;
    this.#values[layer] = nextV;
    return [nextK, nextV];
  }

  /** Called once per forward after every layer appended `steps` positions. */
  advance(steps: number): void {
    this.#length += steps;
  }

  /** Bytes held by the cached tensors. */
  get bytes(): number {
    let total = 0;
    for (const t of [...this.#keys, ...this.#values]) if (t) total += t.size * (t.dtype === 'float64' ? 8 : t.dtype === 'float16' || t.dtype === 'bfloat16' ? 2 : 4);
    return total;
  }

  /** Release every cached tensor; the cache is empty afterwards. */
  dispose(): void {
    for (const t of [...this.#keys, ...this.#values]) t?.dispose();
    this.#keys.fill(null);
    this.#values.fill(null);
    this.mask = null;
    this.#length = 0;
  }
}
