/**
 * Byte-level BPE training with the merges Hugging Face's `BpeTrainer` learns.
 *
 * `BpeTrainer` collects pre-token counts from the sequences it is fed (normalizer, then
 * pre-tokenizer, as `Tokenizer.train` does in Python), then {@link BpeTrainer.train} lays out
 * the vocabulary as Python does (special tokens, then the alphabet sorted by code point, then
 * merged tokens in the order learned) and runs the merge loop of `merge-loop.ts`.
 * `trainBpe` wraps it for an array or (async) iterable of sequences.
 *
 * Browser-safe: no Node import (the file helper lives in `train-from-files.ts`).
 *
 * @example
 * ```ts
 * import { trainBpe } from '@tessera/tokenizer';
 * const tokenizer = await trainBpe(lines, { vocabSize: 4096, specialTokens: ['<|endoftext|>', '<|padding|>'] });
 * tokenizer.encode('Fellow-Citizens', { addSpecialTokens: false }).ids;
 * JSON.stringify(tokenizer.toJSON()); // a tokenizer.json Python loads
 * ```
 */
import { byteLevelAlphabet, byteLevelEncode } from '../byte-level.js';
import { BpeModel } from '../bpe-model.js';
import { ByteLevelDecoder, type Decoder } from '../decoders.js';
import { TokenizerInputError } from '../errors.js';
import type { Normalizer } from '../normalizers.js';
import { ByteLevelPreTokenizer, type PreTokenizer } from '../pre-tokenizers.js';
import { Tokenizer } from '../tokenizer.js';
import { learnMerges, type TrainingWords } from './merge-loop.js';
import { PieceCounter } from './piece-counter.js';

/** Where training is; passed to {@link TrainBpeOptions.onProgress}. */
export interface TrainProgress {
  /**
   * `read`: bytes of files read (file helper only); `pre-tokenize`: sequences counted;
   * `merge`: tokens in the vocabulary so far.
   */
  stage: 'read' | 'pre-tokenize' | 'merge';
  current: number;
  /** The end of the stage when known (`vocabSize` for `merge`). */
  total: number | undefined;
}

/** Options of {@link trainBpe} and {@link BpeTrainer}. */
export interface TrainBpeOptions {
  /** Target vocabulary size, special tokens and alphabet included. */
  vocabSize: number;
  /** Special tokens, given the first ids in this order (added as special, non-normalized tokens). */
  specialTokens?: readonly string[];
  /** Pairs occurring fewer times than this are never merged (default 0). */
  minFrequency?: number;
  /**
   * Characters always in the alphabet. Default: the 256 byte-level symbols when the
   * pre-tokenizer ends with ByteLevel (Python's `initial_alphabet=ByteLevel.alphabet()`),
   * otherwise none.
   */
  initialAlphabet?: readonly string[];
  /** Default none. */
  normalizer?: Normalizer | null;
  /** Default `ByteLevel` with the GPT-2 pattern and no prefix space. */
  preTokenizer?: PreTokenizer | null;
  /** Default `ByteLevel` when the pre-tokenizer ends with ByteLevel, otherwise none. */
  decoder?: Decoder | null;
  /** Progress reports (a few hundred per run). */
  onProgress?: (progress: TrainProgress) => void;
}

/**
 * Feeds sequences, then trains.
 *
 * @example
 * ```ts
 * const trainer = new BpeTrainer({ vocabSize: 1024, specialTokens: ['<|endoftext|>'] });
 * for (const line of text.split(/(?<=\n)/)) trainer.feed(line);
 * const tokenizer = trainer.train();
 * ```
 */
export class BpeTrainer {
  readonly options: Readonly<TrainBpeOptions>;
  private readonly normalizer: Normalizer | null;
  private readonly preTokenizer: PreTokenizer | null;
  private readonly rawBytes: boolean;
  private readonly counter = new PieceCounter();
  private readonly add = (text: string, start: number, end: number): void => this.counter.add(text, start, end);
  /** Sequences fed so far. */
  sequences = 0;

  constructor(options: TrainBpeOptions) {
    if (!Number.isInteger(options.vocabSize) || options.vocabSize < 1) {
      throw new TokenizerInputError('trainBpe', `vocabSize must be a positive integer, got ${options.vocabSize}`, 'pass { vocabSize: 8192 } or similar');
    }
    this.options = options;
    this.normalizer = options.normalizer ?? null;
    this.preTokenizer = options.preTokenizer === undefined ? new ByteLevelPreTokenizer({ addPrefixSpace: false }) : options.preTokenizer;
    this.rawBytes = this.preTokenizer?.endsWithByteLevel() ?? false;
  }

  /** Adds one training sequence (Python's trainer: one line of a file, with its line ending). */
  feed(sequence: string): void {
    this.sequences++;
    const text = this.normalizer ? this.normalizer.normalizeString(sequence) : sequence;
    if (text.length === 0) return;
    if (this.preTokenizer) this.preTokenizer.preTokenizeString(text, this.add, this.rawBytes);
    else this.counter.add(text, 0, text.length);
  }

  /** Distinct pre-tokens fed so far. */
  get distinctWords(): number {
    return this.counter.size;
  }

  /** Learns the merges and returns the tokenizer. */
  train(): Tokenizer {
    const options = this.options;
    // Pre-token counts in model symbols (the byte mapping is done once per distinct piece).
    let wordCounts: Iterable<[string, number]> = this.counter.entries();
    if (this.rawBytes) {
      const mapped = new Map<string, number>();
      for (const [piece, count] of this.counter.entries()) {
        const word = byteLevelEncode(piece);
        mapped.set(word, (mapped.get(word) ?? 0) + count);
      }
      wordCounts = mapped;
    }
    const words: string[] = [];
    const counts: number[] = [];
    const alphabet = new Set<number>();
    let symbolCount = 0;
    for (const [word, count] of wordCounts) {
      words.push(word);
      counts.push(count);
      for (const char of word) {
        alphabet.add(char.codePointAt(0)!);
        symbolCount++;
      }
    }
    const initialAlphabet = options.initialAlphabet ?? (this.rawBytes ? byteLevelAlphabet() : []);
    for (const char of initialAlphabet) {
      const code = char.codePointAt(0);
      if (code !== undefined) alphabet.add(code);
    }

    // Vocabulary layout: special tokens, alphabet by code point.
    const initial: string[] = [];
    const seen = new Set<string>();
    for (const token of [...(options.specialTokens ?? []), ...[...alphabet].sort((x, y) => x - y).map((c) => String.fromCodePoint(c))]) {
      if (seen.has(token)) continue;
      seen.add(token);
      initial.push(token);
    }
    const charIds = new Map<number, number>();
    initial.forEach((token, id) => {
      const code = token.codePointAt(0)!;
      if (token.length === (code > 0xffff ? 2 : 1) && !charIds.has(code)) charIds.set(code, id);
    });

    const training: TrainingWords = {
      symbols: new Int32Array(symbolCount),
      starts: new Int32Array(words.length),
      lengths: new Int32Array(words.length),
      counts: Float64Array.from(counts),
    };
    let offset = 0;
    words.forEach((word, w) => {
      training.starts[w] = offset;
      for (const char of word) training.symbols[offset++] = charIds.get(char.codePointAt(0)!)!;
      training.lengths[w] = offset - training.starts[w]!;
    });

    const onProgress = options.onProgress;
    const total = options.vocabSize;
    let reported = -1;
    const { merges, tokens } = learnMerges(training, initial, {
      vocabSize: options.vocabSize,
      minFrequency: options.minFrequency ?? 0,
      onMerge: onProgress
        ? (current) => {
            // About 200 reports per run.
            const tick = Math.floor((current * 200) / total);
            if (tick !== reported) {
              reported = tick;
              onProgress({ stage: 'merge', current, total });
            }
          }
        : undefined,
    });
    onProgress?.({ stage: 'merge', current: Math.min(tokens.length, total), total });
    return this.build(tokens, merges);
  }

  private build(tokens: readonly string[], merges: readonly [number, number, number][]): Tokenizer {
    const vocab = new Map<string, number>();
    tokens.forEach((token, id) => {
      if (!vocab.has(token)) vocab.set(token, id);
    });
    // A pair learned twice keeps its last rank, as Python's merge map does.
    const lastRank = new Map<string, number>();
    merges.forEach(([a, b], rank) => lastRank.set(`${a},${b}`, rank));
    const pairs: [string, string][] = [];
    merges.forEach(([a, b], rank) => {
      if (lastRank.get(`${a},${b}`) === rank) pairs.push([tokens[a]!, tokens[b]!]);
    });
    const options = this.options;
    const decoder = options.decoder !== undefined ? options.decoder : this.rawBytes ? new ByteLevelDecoder() : null;
    return new Tokenizer({
      model: new BpeModel({ vocab, merges: pairs }),
      normalizer: this.normalizer,
      preTokenizer: this.preTokenizer,
      decoder,
      addedTokens: [...new Set(options.specialTokens ?? [])].map((content) => ({ content, special: true, normalized: false })),
    });
  }
}

/** Sequences for {@link trainBpe}: an array, or any iterable or async iterable of strings. */
export type TrainingTexts = Iterable<string> | AsyncIterable<string>;

/**
 * Trains a byte-level BPE tokenizer on `texts`, each string one training sequence (as each
 * line of a file, with its `\n`, is for Python's trainer). Defaults: ByteLevel pre-tokenizer
 * (GPT-2 pattern, no prefix space) and decoder, the full byte alphabet, `minFrequency` 0.
 * Gives the merges and vocabulary of Hugging Face's `BpeTrainer` with the same settings.
 *
 * @example
 * ```ts
 * const tokenizer = await trainBpe(['Hello world\n', 'Hello there\n'], { vocabSize: 300, specialTokens: ['<|endoftext|>'] });
 * tokenizer.toJSON(); // { version: '1.0', ..., model: { type: 'BPE', vocab, merges } }
 * ```
 */
export async function trainBpe(texts: TrainingTexts, options: TrainBpeOptions): Promise<Tokenizer> {
  if (typeof texts === 'string') {
    throw new TokenizerInputError('trainBpe', 'texts is one string, not a list of training sequences', 'pass an array or iterable of strings, e.g. text.split(/(?<=\\n)/) for one sequence per line');
  }
  const trainer = new BpeTrainer(options);
  const onProgress = options.onProgress;
  const total = Array.isArray(texts) ? texts.length : undefined;
  const report = (): void => onProgress?.({ stage: 'pre-tokenize', current: trainer.sequences, total });
  if (Symbol.iterator in texts) {
    for (const text of texts) {
      trainer.feed(text);
      if ((trainer.sequences & 1023) === 0) report();
    }
  } else {
    for await (const text of texts) {
      trainer.feed(text);
      if ((trainer.sequences & 1023) === 0) report();
    }
  }
  report();
  return trainer.train();
}
