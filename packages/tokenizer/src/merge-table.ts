/**
 * The BPE merge table and the merge loop.
 *
 * `MergeTable` maps a pair of token ids to its rank (priority, 0 first) and the id of the merged
 * token, in an open-addressing hash over typed arrays: no objects and no string keys on the hot
 * path. `mergeSymbols` applies merges to a word the way Hugging Face's `Word::merge_all` does
 * without dropout: repeatedly merge the adjacent pair of lowest rank, leftmost on ties, until no
 * pair has a rank. Short words use a rank array and a linear scan; long ones a heap, so a
 * 100,000-character word stays O(n log n).
 *
 * @example
 * ```ts
 * const table = new MergeTable(1);
 * table.set(5, 6, 0, 7); // merge (5, 6) -> 7 with rank 0
 * const ids = Int32Array.of(5, 6, 6);
 * mergeSymbols(table, ids, 3); // 2: ids starts [7, 6]
 * ```
 */

const EMPTY = -1;

export class MergeTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private ranks: Int32Array;
  private newIds: Int32Array;
  private mask: number;
  /** Number of pairs stored. */
  size = 0;

  constructor(expected: number) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.keysA = new Int32Array(capacity).fill(EMPTY);
    this.keysB = new Int32Array(capacity);
    this.ranks = new Int32Array(capacity);
    this.newIds = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    let i = h & this.mask;
    const keysA = this.keysA;
    const keysB = this.keysB;
    while (keysA[i] !== EMPTY && (keysA[i] !== a || keysB[i] !== b)) i = (i + 1) & this.mask;
    return i;
  }

  /** Sets (or overwrites, as a later duplicate merge does in Hugging Face) a pair. */
  set(a: number, b: number, rank: number, newId: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const i = this.slot(a, b);
    if (this.keysA[i] === EMPTY) this.size++;
    this.keysA[i] = a;
    this.keysB[i] = b;
    this.ranks[i] = rank;
    this.newIds[i] = newId;
  }

  /** Rank of the pair, or -1 when it does not merge. */
  rank(a: number, b: number): number {
    const i = this.slot(a, b);
    return this.keysA[i] === EMPTY ? -1 : this.ranks[i]!;
  }

  /** Id of the merged token (only meaningful when `rank(a, b) >= 0`). */
  newId(a: number, b: number): number {
    return this.newIds[this.slot(a, b)]!;
  }

  private grow(): void {
    const { keysA, keysB, ranks, newIds } = this;
    const capacity = (this.mask + 1) * 2;
    this.keysA = new Int32Array(capacity).fill(EMPTY);
    this.keysB = new Int32Array(capacity);
    this.ranks = new Int32Array(capacity);
    this.newIds = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.size = 0;
    for (let i = 0; i < keysA.length; i++) if (keysA[i] !== EMPTY) this.set(keysA[i]!, keysB[i]!, ranks[i]!, newIds[i]!);
  }
}

const NO_RANK = 0x7fffffff;
const LONG_WORD = 96;
let rankScratch = new Int32Array(256);

/**
 * Merges `ids[0, n)` in place and returns the new length. When `starts`/`ends` are given they
 * hold each symbol's [start, end) and are merged alongside (a merged symbol spans both).
 */
export function mergeSymbols(table: MergeTable, ids: Int32Array, n: number, starts?: Int32Array, ends?: Int32Array): number {
  if (n < 2) return n;
  if (n > LONG_WORD) return mergeLong(table, ids, n, starts, ends);
  if (rankScratch.length < n) rankScratch = new Int32Array(n * 2);
  const ranks = rankScratch;
  for (let k = 0; k < n - 1; k++) {
    const r = table.rank(ids[k]!, ids[k + 1]!);
    ranks[k] = r < 0 ? NO_RANK : r;
  }
  for (;;) {
    let best = NO_RANK;
    let at = -1;
    for (let k = 0; k < n - 1; k++) {
      const r = ranks[k]!;
      if (r < best) {
        best = r;
        at = k;
      }
    }
    if (at < 0) return n;
    ids[at] = table.newId(ids[at]!, ids[at + 1]!);
    if (ends) ends[at] = ends[at + 1]!;
    for (let k = at + 1; k < n - 1; k++) {
      ids[k] = ids[k + 1]!;
      ranks[k] = ranks[k + 1]!;
      if (starts) starts[k] = starts[k + 1]!;
      if (ends) ends[k] = ends[k + 1]!;
    }
    n--;
    if (at > 0) {
      const r = table.rank(ids[at - 1]!, ids[at]!);
      ranks[at - 1] = r < 0 ? NO_RANK : r;
    }
    if (at < n - 1) {
      const r = table.rank(ids[at]!, ids[at + 1]!);
      ranks[at] = r < 0 ? NO_RANK : r;
    }
  }
}

/** Heap + linked-list merge for long words (same result as the scan). */
function mergeLong(table: MergeTable, ids: Int32Array, n: number, starts?: Int32Array, ends?: Int32Array): number {
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    next[k] = k + 1 < n ? k + 1 : -1;
    prev[k] = k - 1;
  }
  const heap = new MinHeap(n);
  for (let k = 0; k < n - 1; k++) {
    const r = table.rank(ids[k]!, ids[k + 1]!);
    if (r >= 0) heap.push(r, k);
  }
  const alive = new Uint8Array(n).fill(1);
  while (heap.length > 0) {
    const rank = heap.topRank();
    const pos = heap.pop();
    if (!alive[pos]) continue;
    const right = next[pos]!;
    if (right < 0 || table.rank(ids[pos]!, ids[right]!) !== rank) continue;
    ids[pos] = table.newId(ids[pos]!, ids[right]!);
    if (ends) ends[pos] = ends[right]!;
    alive[right] = 0;
    const after = next[right]!;
    next[pos] = after;
    if (after >= 0) prev[after] = pos;
    const before = prev[pos]!;
    if (before >= 0) {
      const r = table.rank(ids[before]!, ids[pos]!);
      if (r >= 0) heap.push(r, before);
    }
    if (after >= 0) {
      const r = table.rank(ids[pos]!, ids[after]!);
      if (r >= 0) heap.push(r, pos);
    }
  }
  let m = 0;
  for (let k = 0; k >= 0 && k < n; k = next[k]!) {
    ids[m] = ids[k]!;
    if (starts) starts[m] = starts[k]!;
    if (ends) ends[m] = ends[k]!;
    m++;
  }
  return m;
}

/** A binary min-heap of (rank, position) ordered by rank, then position. */
class MinHeap {
  private ranks: Int32Array;
  private positions: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.ranks = new Int32Array(Math.max(16, capacity));
    this.positions = new Int32Array(Math.max(16, capacity));
  }

  private less(i: number, j: number): boolean {
    const a = this.ranks[i]!;
    const b = this.ranks[j]!;
    return a < b || (a === b && this.positions[i]! < this.positions[j]!);
  }

  private swap(i: number, j: number): void {
    const r = this.ranks[i]!;
    this.ranks[i] = this.ranks[j]!;
    this.ranks[j] = r;
    const p = this.positions[i]!;
    this.positions[i] = this.positions[j]!;
    this.positions[j] = p;
  }

  push(rank: number, position: number): void {
    if (this.length === this.ranks.length) {
      const ranks = new Int32Array(this.length * 2);
      ranks.set(this.ranks);
      this.ranks = ranks;
      const positions = new Int32Array(this.length * 2);
      positions.set(this.positions);
      this.positions = positions;
    }
    let i = this.length++;
    this.ranks[i] = rank;
    this.positions[i] = position;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  topRank(): number {
    return this.ranks[0]!;
  }

  /** Removes the top entry and returns its position. */
  pop(): number {
    const top = this.positions[0]!;
    const last = --this.length;
    if (last > 0) {
      this.ranks[0] = this.ranks[last]!;
      this.positions[0] = this.positions[last]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < last && this.less(l, smallest)) smallest = l;
        if (r < last && this.less(r, smallest)) smallest = r;
        if (smallest === i) break;
        this.swap(i, smallest);
        i = smallest;
      }
    }
    return top;
  }
}
