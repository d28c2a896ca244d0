/**
 * A bounded cache from a piece of text to its token ids, looked up by a range of a larger
 * string: a hit costs one hash over the piece's UTF-16 units and one comparison, with no
 * substring allocated. When it fills up it starts over (English text re-fills the frequent
 * words within a few kilobytes).
 *
 * @example
 * ```ts
 * const cache = new PieceCache(1024);
 * const text = 'say hello';
 * const h = PieceCache.hash(text, 4, 9);
 * cache.set('hello', h, 31373);
 * cache.get(text, 4, 9, h); // 31373
 * ```
 */

/** Ids of a piece: one id, or several. */
export type CachedIds = number | Int32Array;

export class PieceCache {
  private keys: (string | undefined)[];
  private hashes: Int32Array;
  private values: CachedIds[];
  private mask: number;
  private readonly capacity: number;
  /** Entries stored. */
  size = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
    const slots = 1024;
    this.mask = slots - 1;
    this.keys = new Array<string | undefined>(slots).fill(undefined);
    this.hashes = new Int32Array(slots);
    this.values = new Array<CachedIds>(slots).fill(0);
  }

  /** Doubles the table (it starts small and grows to twice the capacity). */
  private grow(): void {
    const { keys, hashes, values } = this;
    const slots = keys.length * 2;
    this.mask = slots - 1;
    this.keys = new Array<string | undefined>(slots).fill(undefined);
    this.hashes = new Int32Array(slots);
    this.values = new Array<CachedIds>(slots).fill(0);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === undefined) continue;
      let j = hashes[i]! & this.mask;
      while (this.keys[j] !== undefined) j = (j + 1) & this.mask;
      this.keys[j] = key;
      this.hashes[j] = hashes[i]!;
      this.values[j] = values[i]!;
    }
  }

  /** FNV-1a over the UTF-16 units of `text[start, end)`. */
  static hash(text: string, start: number, end: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return h;
  }

  /** The ids cached for `text[start, end)` (whose hash is `hash`), or undefined. */
  get(text: string, start: number, end: number, hash: number): CachedIds | undefined {
    const length = end - start;
    const keys = this.keys;
    let i = hash & this.mask;
    for (;;) {
      const key = keys[i];
      if (key === undefined) return undefined;
      if (this.hashes[i] === hash && key.length === length) {
        let k = 0;
        while (k < length && key.charCodeAt(k) === text.charCodeAt(start + k)) k++;
        if (k === length) return this.values[i];
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Stores ids for `key` (whose hash is `hash`); empties the cache first when it is full. */
  set(key: string, hash: number, ids: CachedIds): void {
    if (this.size >= this.capacity) this.clear();
    else if (this.size * 2 >= this.keys.length) this.grow();
    let i = hash & this.mask;
    while (this.keys[i] !== undefined) {
      if (this.hashes[i] === hash && this.keys[i] === key) {
        this.values[i] = ids;
        return;
      }
      i = (i + 1) & this.mask;
    }
    this.keys[i] = key;
    this.hashes[i] = hash;
    this.values[i] = ids;
    this.size++;
  }

  /** Drops every entry. */
  clear(): void {
    if (this.size === 0) return;
    this.keys.fill(undefined);
    this.values.fill(0);
    this.size = 0;
  }
}
