/**
 * The trainer's pair index: every adjacent pair of symbol ids `(left, right)` seen during
 * training gets a dense index, under which the trainer keeps the pair's count (summed over
 * words, weighted by word count) and its bookkeeping. Open addressing over typed arrays, so
 * the millions of lookups a training run makes allocate nothing.
 *
 * @example
 * ```ts
 * const pairs = new PairTable();
 * const p = pairs.intern(5, 6); // 0
 * pairs.count[p] += 3;
 * pairs.intern(5, 6); // 0 again
 * pairs.left[p]; // 5
 * ```
 */

export class PairTable {
  /** Left id of each pair. */
  left = new Int32Array(1024);
  /** Right id of each pair. */
  right = new Int32Array(1024);
  /** Weighted occurrences of each pair (Hugging Face's `pair_counts`). */
  count = new Float64Array(1024);
  /** Number of pairs. */
  size = 0;
  /** Slots: pair index + 1, or 0 when empty. */
  private slots = new Int32Array(4096);
  private mask = 4095;

  private static hash(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    return Math.imul(h, 0x2c1b3c6d) ^ (h >>> 12);
  }

  /** Index of the pair `(a, b)`, adding it with count 0 when new. */
  intern(a: number, b: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = PairTable.hash(a, b) & mask;
    for (;;) {
      const entry = slots[i]!;
      if (entry === 0) break;
      if (this.left[entry - 1] === a && this.right[entry - 1] === b) return entry - 1;
      i = (i + 1) & mask;
    }
    const index = this.size++;
    if (index === this.left.length) this.growEntries();
    this.left[index] = a;
    this.right[index] = b;
    this.count[index] = 0;
    slots[i] = index + 1;
    if (this.size * 2 > mask) this.growSlots();
    return index;
  }

  /** Grows every per-pair array to `capacity` entries (callers keep their own arrays in step). */
  private growEntries(): void {
    const capacity = this.left.length * 2;
    this.left = grow(this.left, capacity);
    this.right = grow(this.right, capacity);
    const count = new Float64Array(capacity);
    count.set(this.count);
    this.count = count;
  }

  private growSlots(): void {
    const size = (this.mask + 1) * 2;
    const mask = size - 1;
    const slots = new Int32Array(size);
    for (let index = 0; index < this.size; index++) {
      let i = PairTable.hash(this.left[index]!, this.right[index]!) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = index + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** A copy of `array` with room for `capacity` entries. */
export function grow(array: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(capacity);
  out.set(array.subarray(0, Math.min(array.length, capacity)));
  return out;
}
