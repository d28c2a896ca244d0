/**
 * The convert step: documents -> token ids -> MDS shards of fixed-length samples
 * (`@tessera/data-streaming`'s `convertTextToMDS`, llm-foundry's `--concat_tokens` with
 * `<|endoftext|>` between documents). A dataset is written into a temporary folder and renamed
 * into place, so a folder with `index.json` is always complete and an interrupted run simply
 * converts again.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { convertTextToMDS } from '@tessera/data-streaming';
import type { Tokenizer } from '@tessera/tokenizer';
import type { LoadedConfig } from '../config/load.js';
import type { TextLoaderConfig } from '../config/run-config.js';
import { builtinChars, documents, type Split } from '../data/corpus.js';
import { ConfigError, UsageError } from '../errors.js';
import type { Reporter } from '../report.js';
import { describeSources, eosOf, requireData } from './tokenizer.js';

/** What a conversion wrote. */
export interface ConvertSummary {
  readonly out: string;
  readonly documents: number;
  readonly samples: number;
  readonly tokens: number;
}

/**
 * The folder a text loader reads: `local`, or `local/split`.
 *
 * @example
 * ```ts
 * datasetFolder(config.trainLoader as TextLoaderConfig); // 'runs/tiny/data/train'
 * ```
 */
export function datasetFolder(loader: TextLoaderConfig): string {
  return loader.split === undefined ? loader.local : join(loader.local, loader.split);
}

/**
 * Tokenize documents into MDS shards of `concatTokens`-token samples at `out`.
 *
 * @example
 * ```ts
 * await convertDocuments(readJsonlTexts('corpus.jsonl'), { out: 'data/train', tokenizer, concatTokens: 128, reporter });
 * ```
 */
export async function convertDocuments(
  texts: AsyncIterable<string> | Iterable<string>,
  options: { out: string; tokenizer: Tokenizer; concatTokens: number; reporter: Reporter; label?: string; totalChars?: number },
): Promise<ConvertSummary> {
  const { tokenizer, reporter, out } = options;
  const eos = eosOf(tokenizer);
  if (!eos) {
    throw new UsageError(`the tokenizer has no end-of-text token to put between documents (no eos_token, no ${JSON.stringify('<|endoftext|>')})`,
      "train the tokenizer with special_tokens: ['<|endoftext|>'], or set eos_token in its tokenizer_config.json");
  }
  const temporary = `${out}.tmp-${process.pid}`;
  await rm(temporary, { recursive: true, force: true });
  const bar = reporter.progress(options.label ?? 'convert', { total: options.totalChars, unit: 'chars' });
  let chars = 0;
  let tokens = 0;
  try {
    const result = await convertTextToMDS(texts, {
      out: temporary,
      concatTokens: options.concatTokens,
      eosIds: [eos.id],
      compression: null,
      hashes: ['sha1'],
      sizeLimit: '32mb',
      tokenize: (text) => {
        const ids = tokenizer.encode(text, { addSpecialTokens: false }).ids;
        chars += text.length;
        tokens += ids.length;
        bar.update(chars);
        return ids;
      },
    });
    bar.done(`${result.documents} documents, ${tokens.toLocaleString('en-US')} tokens (${(chars / Math.max(tokens, 1)).toFixed(2)} chars/token) -> ${result.samples} samples of ${options.concatTokens}`);
    await rm(out, { recursive: true, force: true });
    await rename(temporary, out);
    return { out, documents: result.documents, samples: result.samples, tokens: result.tokens };
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

/**
 * True when `folder` holds a finished MDS dataset (its `index.json` is written last).
 *
 * @example
 * ```ts
 * if (!hasDataset('runs/tiny/data/train')) await ensureShards(loaded, tokenizer, reporter);
 * ```
 */
export function hasDataset(folder: string): boolean {
  return existsSync(join(folder, 'index.json'));
}

/**
 * Write the shards of the config's text loaders that are missing (train: the training split of
 * `data`; eval: the held-out split), or all of them with `force`.
 *
 * @example
 * ```ts
 * await ensureShards(loaded, tokenizer, reporter);
 * ```
 */
export async function ensureShards(loaded: LoadedConfig, tokenizer: Tokenizer, reporter: Reporter, options: { force?: boolean } = {}): Promise<ConvertSummary[]> {
  const { config, source } = loaded;
  const wanted: { loader: TextLoaderConfig; split: Split; key: string }[] = [];
  if (config.trainLoader.kind === 'text') wanted.push({ loader: config.trainLoader, split: 'train', key: 'train_loader' });
  if (config.evalLoader?.kind === 'text') wanted.push({ loader: config.evalLoader, split: 'eval', key: 'eval_loader' });
  const summaries: ConvertSummary[] = [];
  for (const { loader, split, key } of wanted) {
    const folder = datasetFolder(loader);
    if (!options.force && hasDataset(folder)) continue;
    if (loader.remote !== undefined) continue; // streamed from the remote
    if (!config.data) {
      throw new ConfigError(`${key}.dataset.local`, source.where([key, 'dataset', 'local']), `${folder} holds no MDS dataset (no index.json) and there is no data section to build it from`,
        'convert your text first (tessera-train convert ...), or add data: { sources: [...] }');
    }
    const data = requireData(loaded);
    const all = builtinChars(data.sources);
    const share = split === 'eval' ? data.evalFraction : 1 - data.evalFraction;
    reporter.info('convert-start', `[convert] ${split} split of ${describeSources(config)} -> ${folder}`);
    const summary = await convertDocuments(documents(data, split), {
      out: folder, tokenizer, concatTokens: loader.maxSeqLen, reporter, label: `convert ${split}`,
      ...(all === undefined ? {} : { totalChars: Math.round(all * share) }),
    });
    if (summary.samples === 0) {
      throw new ConfigError('data', source.where(['data']), `the ${split} split produced no sample of ${loader.maxSeqLen} tokens`,
        split === 'eval' ? 'raise data.eval_fraction or use more text' : 'add more text to data.sources');
    }
    summaries.push(summary);
  }
  return summaries;
}
