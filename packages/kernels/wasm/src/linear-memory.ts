/**
 * Buffers in WebAssembly linear memory: a size-class allocator on the JavaScript side.
 *
 * Blocks are 64-byte aligned and rounded up to a size class (multiples of 64 bytes up to 4 KiB,
 * then eight classes per power of two, so at most 12.5% is wasted). Freed blocks go to their
 * class's free list and are reused by the next allocation of that class (zero-filled again, or
 * returned as `dirty` for the caller to zero-fill lazily), so a
 * steady-state training step allocates nothing new. Otherwise blocks come from the top of the heap;
 * when the heap runs out, memory grows (by at least a quarter of its size) and every typed-array
 * view is re-created: an unshared memory's old ArrayBuffer is detached by the growth, a shared one's
 * keeps its old length.
 */
import { OutOfMemoryError } from './errors.js';

const PAGE = 65536;
/** wasm32 addresses: 4 GiB. */
export const MAX_PAGES = 65536;

/** Typed-array views of the whole memory, re-created after it grows. */
export interface MemoryViews {
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
}

/** The size class (bytes) that holds `bytes`. */
export function sizeClass(bytes: number): number {
  if (bytes <= 4096) return Math.max(64, Math.ceil(bytes / 64) * 64);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

export class LinearMemory {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  /** Bumped on every growth; views made before are stale. */
  generation = 0;
  #views: MemoryViews;
  #top: number;
  readonly #free = new Map<number, number[]>();
  #freeBytes = 0;

  /** The memory's maximum, in 64 KiB pages. */
  readonly maxPages: number;

  constructor(memory: WebAssembly.Memory, shared: boolean, heapBase: number, maxPages = MAX_PAGES) {
    this.memory = memory;
    this.shared = shared;
    this.maxPages = maxPages;
    this.#top = Math.ceil(heapBase / 64) * 64;
    this.#views = makeViews(memory.buffer);
  }

  /** Bytes in the heap (allocated or free), and bytes in free lists. */
  get heapBytes(): number {
    return this.#top;
  }

  get freeBytes(): number {
    return this.#freeBytes;
  }

  get views(): MemoryViews {
    if (this.#views.u8.buffer.byteLength !== this.memory.buffer.byteLength) this.#views = makeViews(this.memory.buffer);
    return this.#views;
  }

  /**
   * A block of at least `bytes` (its class size is returned for `free`), zero-filled; with
   * `zero` false a reused block is returned unfilled with `dirty` true (fresh blocks are zero).
   */
  alloc(bytes: number, zero = true): { address: number; capacity: number; dirty: boolean } {
    const capacity = sizeClass(bytes);
    const reused = this.#free.get(capacity)?.pop();
    if (reused !== undefined) {
      this.#freeBytes -= capacity;
      if (zero) this.views.u8.fill(0, reused, reused + capacity);
      return { address: reused, capacity, dirty: !zero };
    }
    const address = this.#top;
    const end = address + capacity;
    if (end > this.memory.buffer.byteLength) this.#grow(end);
    this.#top = end;
    return { address, capacity, dirty: false };
  }

  free(address: number, capacity: number): void {
    let list = this.#free.get(capacity);
    if (!list) this.#free.set(capacity, (list = []));
    list.push(address);
    this.#freeBytes += capacity;
  }

  #grow(end: number): void {
    const have = this.memory.buffer.byteLength / PAGE;
    const need = Math.ceil(end / PAGE);
    if (need > this.maxPages) throw new OutOfMemoryError(end, this.#top, this.#freeBytes);
    const pages = Math.min(this.maxPages, Math.max(need, Math.ceil(have * 1.25))) - have;
    try {
      this.memory.grow(pages);
    } catch (error) {
      throw new OutOfMemoryError(end, this.#top, this.#freeBytes, error);
    }
    this.generation++;
    this.#views = makeViews(this.memory.buffer);
  }
}

function makeViews(buffer: ArrayBuffer | SharedArrayBuffer): MemoryViews {
  return {
    u8: new Uint8Array(buffer),
    u16: new Uint16Array(buffer),
    i32: new Int32Array(buffer),
    f32: new Float32Array(buffer),
    f64: new Float64Array(buffer),
  };
}
