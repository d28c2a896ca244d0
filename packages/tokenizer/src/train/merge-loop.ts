/**
 * The BPE merge loop, step for step the one of Hugging Face's `BpeTrainer::do_train`, so it
 * learns the same merges in the same order:
 *
 * 1. Count every adjacent pair over the distinct words, weighted by word count, and index
 *    each pair to the words that contain it.
 * 2. Push every pair into a max-queue ordered by (count, then smaller (left, right)).
 * 3. Pop the top. If its recorded count is stale, push it back with the current count and pop
 *    again (lazy invalidation). Otherwise merge it: the new token is the concatenation of its
 *    parts (a new id unless that string is already in the vocabulary) and the pair is merged,
 *    left to right, in the words the candidate lists, and only there. Each merge reports the
 *    pairs it removed and formed next to it; their counts change, and each pair formed in
 *    this step is pushed as a new candidate listing the words where it formed.
 * 4. Stop when the vocabulary is full, the queue is empty or the best count is below
 *    `minFrequency` (or zero).
 *
 * Hugging Face's own quirks are kept: the merged pair's own count is left as it is, and a
 * token string reached by two different pairs keeps its first id (both merges are listed).
 * The one thing Python leaves to chance, the order of two candidates with the same pair and
 * count (which its hash-set iteration decides), only arises after such a collision; here it is
 * the order in which they were pushed.
 *
 * @example
 * ```ts
 * const words: TrainingWords = { symbols: Int32Array.of(0, 1, 0, 1), starts: Int32Array.of(0, 2), lengths: Int32Array.of(2, 2), counts: Float64Array.of(3, 1) };
 * learnMerges(words, ['a', 'b'], { vocabSize: 3, minFrequency: 0 }); // { merges: [[0, 1, 2]], tokens: ['a', 'b', 'ab'] }
 * ```
 */
import { MergeQueue } from './merge-queue.js';
import { PairTable } from './pair-table.js';

/** The distinct words of a corpus as symbol ids, stored back to back. */
export interface TrainingWords {
  /** Symbols of every word; word `w` is `symbols[starts[w], starts[w] + lengths[w])`. */
  symbols: Int32Array;
  starts: Int32Array;
  /** Current length of each word (merging shortens it in place). */
  lengths: Int32Array;
  /** Occurrences of each word. */
  counts: Float64Array;
}

/** Options of {@link learnMerges}. */
export interface MergeLoopOptions {
  /** Stop when this many tokens exist (special tokens and alphabet included). */
  vocabSize: number;
  /** Stop when the best pair occurs fewer times than this. */
  minFrequency: number;
  /** Called after each merge with the number of tokens so far. */
  onMerge?: (tokens: number) => void;
}

/** Result of {@link learnMerges}. */
export interface LearnedMerges {
  /** `[left id, right id, new id]` in the order learned (a pair may repeat; see the file comment). */
  merges: [number, number, number][];
  /** Every token string by id: the initial ones, then the learned ones. */
  tokens: string[];
}

/**
 * Learns merges over `words` (mutated: they end merged) starting from the vocabulary `initial`
 * (token strings by id; the symbols of `words` are ids into it).
 */
export function learnMerges(words: TrainingWords, initial: readonly string[], options: MergeLoopOptions): LearnedMerges {
  const tokens = [...initial];
  const tokenIds = new Map<string, number>();
  tokens.forEach((token, id) => {
    if (!tokenIds.has(token)) tokenIds.set(token, id);
  });
  const { symbols, starts, lengths, counts } = words;
  const wordCount = starts.length;
  const pairs = new PairTable();
  const queue = new MergeQueue(pairs);

  // 1-2. Pair counts, the words of each pair, the initial queue.
  let lastWord = new Int32Array(pairs.left.length).fill(-1);
  let positions: number[][] = [];
  for (let w = 0; w < wordCount; w++) {
    const start = starts[w]!;
    const end = start + lengths[w]!;
    const count = counts[w]!;
    for (let k = start; k + 1 < end; k++) {
      const p = pairs.intern(symbols[k]!, symbols[k + 1]!);
      pairs.count[p] = pairs.count[p]! + count;
      if (p === positions.length) positions.push([]);
      if (p >= lastWord.length) lastWord = growFilled(lastWord, pairs.left.length);
      if (lastWord[p] !== w) {
        lastWord[p] = w;
        positions[p]!.push(w);
      }
    }
  }
  for (let p = 0; p < positions.length; p++) if (pairs.count[p]! > 0) queue.push(pairs.count[p]!, p, Int32Array.from(positions[p]!));
  positions = [];

  // Per-step record of the pairs formed (Hugging Face's `where_to_update`).
  let stepOf = new Int32Array(pairs.left.length).fill(-1);
  let slotOf = new Int32Array(pairs.left.length);
  const formedPairs: number[] = [];
  let formedWords: number[][] = [];
  let step = 0;
  const formed = (p: number, w: number): void => {
    if (p >= stepOf.length) {
      stepOf = growFilled(stepOf, pairs.left.length);
      slotOf = growFilled(slotOf, pairs.left.length);
    }
    if (stepOf[p] !== step) {
      stepOf[p] = step;
      formedPairs.push(p);
      formedWords.push([]);
      slotOf[p] = formedPairs.length - 1;
    }
    const list = formedWords[slotOf[p]!]!;
    if (list[list.length - 1] !== w) list.push(w);
  };

  const merges: [number, number, number][] = [];
  while (tokenIds.size < options.vocabSize && queue.length > 0) {
    const top = queue.pop();
    const p = queue.pairOf(top);
    const current = pairs.count[p]!;
    if (queue.countOf(top) !== current) {
      queue.repush(top, current);
      continue;
    }
    if (current < 1 || options.minFrequency > current) break;

    // 3. The new token.
    const a = pairs.left[p]!;
    const b = pairs.right[p]!;
    const merged = tokens[a]! + tokens[b]!;
    let id = tokenIds.get(merged);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(merged);
      tokenIds.set(merged, id);
    }
    merges.push([a, b, id]);

    // Merge in the candidate's words, applying each change as Word::merge reports it.
    const where = queue.positionsOf(top);
    for (let n = 0; n < where.length; n++) {
      const w = where[n]!;
      const start = starts[w]!;
      let length = lengths[w]!;
      const count = counts[w]!;
      for (let i = 0; i < length; i++) {
        if (symbols[start + i] !== a || i + 1 >= length || symbols[start + i + 1] !== b) continue;
        if (i > 0) {
          const before = symbols[start + i - 1]!;
          const r = pairs.intern(before, a);
          pairs.count[r] = pairs.count[r]! - count;
          const q = pairs.intern(before, id);
          pairs.count[q] = pairs.count[q]! + count;
          formed(q, w);
        }
        symbols[start + i] = id;
        symbols.copyWithin(start + i + 1, start + i + 2, start + length);
        length--;
        if (i < length - 1) {
          const after = symbols[start + i + 1]!;
          const r = pairs.intern(b, after);
          pairs.count[r] = pairs.count[r]! - count;
          const q = pairs.intern(id, after);
          pairs.count[q] = pairs.count[q]! + count;
          formed(q, w);
        }
      }
      lengths[w] = length;
    }
    queue.release(top);

    for (let k = 0; k < formedPairs.length; k++) {
      const q = formedPairs[k]!;
      const count = pairs.count[q]!;
      if (count > 0) queue.push(count, q, formedWords[k]!);
    }
    formedPairs.length = 0;
    formedWords = [];
    step++;
    options.onMerge?.(tokenIds.size);
  }
  return { merges, tokens };
}

function growFilled(array: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(Math.max(capacity, array.length * 2)).fill(-1);
  out.set(array);
  return out;
}
