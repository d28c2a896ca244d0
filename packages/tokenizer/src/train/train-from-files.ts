/**
 * Training from text files (Node only; `node:fs` is imported on demand so the rest of the
 * package stays browser-safe). Each line, with its line ending, is one training sequence, as in
 * Python's `Tokenizer.train(files, trainer)`; files are streamed, so memory holds the
 * pre-token counts, not the corpus.
 *
 * @example
 * ```ts
 * import { trainBpeFromFiles } from '@tessera/tokenizer';
 * const tokenizer = await trainBpeFromFiles(['sotu.txt'], { vocabSize: 8192, specialTokens: ['<|endoftext|>', '<|padding|>'] });
 * await writeFile('tokenizer.json', JSON.stringify(tokenizer.toJSON()));
 * ```
 */
import { TokenizerInputError } from '../errors.js';
import type { Tokenizer } from '../tokenizer.js';
import { BpeTrainer, type TrainBpeOptions, type TrainProgress } from './bpe-trainer.js';
import { ProgressBar, type ProgressOutput } from './progress-bar.js';

/** Options of {@link trainBpeFromFiles}. */
export interface TrainBpeFromFilesOptions extends TrainBpeOptions {
  /**
   * Show progress on `progressOutput` (default true, as Python's `show_progress`): a bar on a
   * terminal, plain lines otherwise.
   */
  progress?: boolean;
  /** Where progress goes (default `process.stderr`). */
  progressOutput?: ProgressOutput;
}

/**
 * Yields the lines of a UTF-8 file, each with its `\n` (a `\r` before it is kept; the last line
 * may lack one).
 *
 * @example
 * ```ts
 * for await (const line of readLines('corpus.txt')) trainer.feed(line);
 * ```
 */
export async function* readLines(path: string): AsyncGenerator<string> {
  for await (const lines of lineBatches(path)) yield* lines;
}

/** The lines of a file, a batch per chunk read; `onBytes` gets each chunk's size. */
async function* lineBatches(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<string[]> {
  const { createReadStream } = await import('node:fs');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch (cause) {
      throw new TokenizerInputError('trainBpeFromFiles', `${path} is not valid UTF-8 (${(cause as Error).message})`, 'training files must be UTF-8 text, as for Python tokenizers');
    }
  };
  let carry = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>) {
    onBytes?.(chunk.length);
    const text = carry + decode(chunk);
    const lines: string[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      lines.push(text.slice(start, end + 1));
      start = end + 1;
    }
    carry = text.slice(start);
    yield lines;
  }
  const rest = carry + decode();
  if (rest.length > 0) yield [rest];
}

/**
 * Trains a BPE tokenizer on text files (see `trainBpe` for the options), reading them line by
 * line. Shows progress on stderr unless `progress: false`; `onProgress` also gets `read`
 * reports in bytes.
 *
 * @example
 * ```ts
 * const tokenizer = await trainBpeFromFiles('corpus.txt', { vocabSize: 4096, specialTokens: ['<|endoftext|>'], progress: false });
 * ```
 */
export async function trainBpeFromFiles(paths: string | readonly string[], options: TrainBpeFromFilesOptions): Promise<Tokenizer> {
  const files = typeof paths === 'string' ? [paths] : [...paths];
  const { stat } = await import('node:fs/promises');
  let total = 0;
  for (const file of files) total += (await stat(file)).size;

  let bar: ProgressBar | undefined;
  if (options.progress ?? true) {
    const output = options.progressOutput ?? (await import('node:process')).stderr;
    bar = new ProgressBar(output);
  }
  const onProgress = (progress: TrainProgress): void => {
    bar?.update(progress);
    options.onProgress?.(progress);
  };
  const trainer = new BpeTrainer({ ...options, onProgress });
  let read = 0;
  let reportedAt = 0;
  const onBytes = (bytes: number): void => {
    read += bytes;
    if (read - reportedAt >= 1 << 20 || read === total) {
      reportedAt = read;
      onProgress({ stage: 'read', current: read, total });
    }
  };
  onProgress({ stage: 'read', current: 0, total });
  try {
    for (const file of files) {
      for await (const lines of lineBatches(file, onBytes)) for (const line of lines) trainer.feed(line);
    }
    return trainer.train();
  } finally {
    bar?.finish();
  }
}
