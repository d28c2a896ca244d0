/**
 * Counts pieces of text given as ranges of larger strings, without allocating a substring for a
 * piece it has seen before: a lookup hashes the range's UTF-16 units and compares them with
 * the stored key (the same scheme as the encoder's `PieceCache`). The BPE trainer feeds it the
 * pre-tokenizer's pieces; a 10 MB corpus has about two million pieces but only tens of
 * thousands of distinct ones.
 *
 * @example
 * ```ts
 * const counter = new PieceCounter();
 * const text = 'the cat the';
 * counter.add(text, 0, 3);
 * counter.add(text, 8, 11);
 * [...counter.entries()]; // [['the', 2]]
 * ```
 */

const EMPTY = 0;

export class PieceCounter {
  private keys: string[] = [];
  private counts = new Float64Array(1024);
  private hashes = new Int32Array(1024);
  /** Open-addressing table: entry index + 1, or 0 for an empty slot. */
  private slots = new Int32Array(4096);
  private mask = 4095;

  /** Number of distinct pieces. */
  get size(): number {
    return this.keys.length;
  }

  /** Adds `count` (default 1) occurrences of `text[start, end)`. */
  add(text: string, start: number, end: number, count = 1): void {
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h ^= h >>> 16;
    const length = end - start;
    const slots = this.slots;
    const keys = this.keys;
    let i = h & this.mask;
    for (;;) {
      const entry = slots[i]!;
      if (entry === EMPTY) break;
      if (this.hashes[entry - 1] === h) {
        const key = keys[entry - 1]!;
        if (key.length === length) {
          let k = 0;
          while (k < length && key.charCodeAt(k) === text.charCodeAt(start + k)) k++;
          if (k === length) {
            this.counts[entry - 1] = this.counts[entry - 1]! + count;
            return;
          }
        }
      }
      i = (i + 1) & this.mask;
    }
    const index = keys.length;
    if (index === this.counts.length) this.growEntries();
    keys.push(start === 0 && end === text.length ? text : text.slice(start, end));
    this.counts[index] = count;
    this.hashes[index] = h;
    slots[i] = index + 1;
    if ((index + 1) * 2 > this.mask) this.growSlots();
  }

  /** Every distinct piece with its count, in first-seen order. */
  *entries(): IterableIterator<[piece: string, count: number]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.keys[i]!, this.counts[i]!];
  }

  private growEntries(): void {
    const counts = new Float64Array(this.counts.length * 2);
    counts.set(this.counts);
    this.counts = counts;
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private growSlots(): void {
    const size = (this.mask + 1) * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let index = 0; index < this.keys.length; index++) {
      let i = this.hashes[index]! & mask;
      while (slots[i] !== EMPTY) i = (i + 1) & mask;
      slots[i] = index + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
