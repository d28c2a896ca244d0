/**
 * The trainer's priority queue: a binary max-heap of merge candidates, each a pair, the count
 * it had when pushed, and the words where it was formed (Hugging Face's `Merge { pair, count,
 * pos }`). Order: higher count first; on equal counts the smaller (left id, right id) first.
 *
 * Counts are not updated in place: the trainer pops the top, and when its count is stale it
 * pushes it back with the current count (lazy invalidation).
 *
 * @example
 * ```ts
 * const pairs = new PairTable();
 * const queue = new MergeQueue(pairs);
 * queue.push(10, pairs.intern(3, 4), [0, 2]);
 * queue.push(10, pairs.intern(1, 9), [1]);
 * pairs.left[queue.pairOf(queue.pop())]; // 1: equal counts, smaller left id first
 * ```
 */
import { grow, type PairTable } from './pair-table.js';

export class MergeQueue {
  /** Count recorded for each candidate. */
  private counts = new Float64Array(1024);
  /** Pair index of each candidate. */
  private pairs = new Int32Array(1024);
  /** Word indices of each candidate (released once it is merged). */
  private positions: (ArrayLike<number> | null)[] = [];
  /** Candidates in heap order. */
  private heap = new Int32Array(1024);
  /** Number of candidates in the heap. */
  length = 0;

  constructor(private readonly table: PairTable) {}

  /** Adds a new candidate; returns its handle. */
  push(count: number, pair: number, positions: ArrayLike<number>): number {
    const handle = this.positions.length;
    if (handle === this.counts.length) {
      const counts = new Float64Array(handle * 2);
      counts.set(this.counts);
      this.counts = counts;
      this.pairs = grow(this.pairs, handle * 2);
    }
    this.counts[handle] = count;
    this.pairs[handle] = pair;
    this.positions.push(positions);
    this.insert(handle);
    return handle;
  }

  /** Puts a popped candidate back with an updated count. */
  repush(handle: number, count: number): void {
    this.counts[handle] = count;
    this.insert(handle);
  }

  /** Count recorded for a candidate. */
  countOf(handle: number): number {
    return this.counts[handle]!;
  }

  /** Pair index of a candidate. */
  pairOf(handle: number): number {
    return this.pairs[handle]!;
  }

  /** Word indices of a candidate. */
  positionsOf(handle: number): ArrayLike<number> {
    return this.positions[handle] ?? [];
  }

  /** Drops a merged candidate's word list. */
  release(handle: number): void {
    this.positions[handle] = null;
  }

  /** Removes and returns the best candidate (the heap must not be empty). */
  pop(): number {
    const heap = this.heap;
    const top = heap[0]!;
    const last = --this.length;
    if (last > 0) {
      const moved = heap[last]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= last) break;
        const r = l + 1;
        const child = r < last && this.before(heap[r]!, heap[l]!) ? r : l;
        if (!this.before(heap[child]!, moved)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = moved;
    }
    return top;
  }

  private insert(handle: number): void {
    if (this.length === this.heap.length) this.heap = grow(this.heap, this.length * 2);
    const heap = this.heap;
    let i = this.length++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(handle, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = handle;
  }

  /** True when candidate `x` comes out before `y`. */
  private before(x: number, y: number): boolean {
    const cx = this.counts[x]!;
    const cy = this.counts[y]!;
    if (cx !== cy) return cx > cy;
    const px = this.pairs[x]!;
    const py = this.pairs[y]!;
    const left = this.table.left;
    const lx = left[px]!;
    const ly = left[py]!;
    if (lx !== ly) return lx < ly;
    const right = this.table.right;
    return right[px]! < right[py]!;
  }
}
