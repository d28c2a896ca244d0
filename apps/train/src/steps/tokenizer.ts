/**
 * The tokenizer step: train a byte-level BPE tokenizer (`@tessera/tokenizer`'s `trainBpe`) on
 * the training documents, or load the one the config names. A tokenizer is a Hugging Face
 * folder (`tokenizer.json` + `tokenizer_config.json`) or a lone `tokenizer.json` file.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Tokenizer, trainBpe, type TrainProgress } from '@tessera/tokenizer';
import { isDirectory, requirePath, type LoadedConfig } from '../config/load.js';
import type { RunConfig } from '../config/run-config.js';
import { documents } from '../data/corpus.js';
import { ConfigError } from '../errors.js';
import type { Progress, Reporter } from '../report.js';

/**
 * The end-of-text token the shipped configs train with (GPT-NeoX's, MPT's).
 *
 * @example
 * ```ts
 * tokenizer.tokenToId(DEFAULT_EOS); // 0 for a tokenizer trained with special_tokens: [DEFAULT_EOS]
 * ```
 */
export const DEFAULT_EOS = '<|endoftext|>';

/**
 * The end-of-document token and its id: tokenizer_config.json's `eos_token`, else
 * `<|endoftext|>` when the vocabulary has it.
 *
 * @example
 * ```ts
 * const eos = eosOf(tokenizer); // { token: '<|endoftext|>', id: 0 }
 * ```
 */
export function eosOf(tokenizer: Tokenizer): { token: string; id: number } | undefined {
  for (const token of [tokenizer.config.eosToken, DEFAULT_EOS]) {
    const id = token === undefined ? undefined : tokenizer.tokenToId(token);
    if (token !== undefined && id !== undefined) return { token, id };
  }
  return undefined;
}

/**
 * `tokenizer_config.json` for a tokenizer we trained: special tokens, the length limit and, when
 * the vocabulary has ChatML's tokens, a ChatML chat template.
 */
function tokenizerConfigJson(tokenizer: Tokenizer, modelMaxLength: number | undefined): Record<string, unknown> {
  const eos = eosOf(tokenizer)?.token;
  const config = tokenizer.config;
  const chatml = tokenizer.tokenToId('<|im_start|>') !== undefined && tokenizer.tokenToId('<|im_end|>') !== undefined;
  const named = typeof config.chatTemplate === 'object' ? Object.entries(config.chatTemplate).map(([name, template]) => ({ name, template })) : undefined;
  const template = named ?? config.chatTemplate ?? (chatml
    ? "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    : undefined);
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: config.bosToken ?? eos ?? null,
    eos_token: config.eosToken ?? eos ?? null,
    unk_token: config.unkToken ?? eos ?? null,
    ...(config.padToken ? { pad_token: config.padToken } : {}),
    model_max_length: modelMaxLength ?? config.modelMaxLength ?? 2048,
    clean_up_tokenization_spaces: false,
    ...(template === undefined ? {} : { chat_template: template }),
  };
}

/**
 * Write `tokenizer.json` and `tokenizer_config.json` into a folder.
 *
 * @example
 * ```ts
 * await saveTokenizer(tokenizer, 'runs/a/hf', { modelMaxLength: 128 });
 * ```
 */
export async function saveTokenizer(tokenizer: Tokenizer, dir: string, options: { modelMaxLength?: number } = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'tokenizer.json'), `${JSON.stringify(tokenizer.toJSON(), null, 2)}\n`);
  await writeFile(join(dir, 'tokenizer_config.json'), `${JSON.stringify(tokenizerConfigJson(tokenizer, options.modelMaxLength), null, 2)}\n`);
}

/**
 * Load a tokenizer folder or tokenizer.json file (with a tokenizer_config.json beside a file).
 *
 * @example
 * ```ts
 * const tokenizer = await loadTokenizer('runs/a/data/tokenizer');
 * ```
 */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  if (isDirectory(path)) return Tokenizer.fromPretrained(path);
  const config = join(dirname(path), 'tokenizer_config.json');
  if (existsSync(config)) {
    const { readFile } = await import('node:fs/promises');
    return Tokenizer.fromJSON(await readFile(path), { tokenizerConfig: await readFile(config) });
  }
  return Tokenizer.fromFile(path);
}

/** Where a trained tokenizer goes: `name` itself when it ends in .json, else the folder `name`. */
function outputFolder(name: string): { dir: string; file: string } {
  return name.endsWith('.json') ? { dir: dirname(name), file: name } : { dir: name, file: join(name, 'tokenizer.json') };
}

/**
 * Train the tokenizer the config describes (`tokenizer.train`, on `data`'s training split) and
 * write it to `tokenizer.name`.
 *
 * @example
 * ```ts
 * const tokenizer = await trainTokenizer(loaded, reporter);
 * ```
 */
export async function trainTokenizer(loaded: LoadedConfig, reporter: Reporter): Promise<Tokenizer> {
  const { config, source } = loaded;
  const train = config.tokenizer.train;
  if (!train) {
    throw new ConfigError('tokenizer.train', source.where(['tokenizer']), 'is needed to train a tokenizer',
      'add tokenizer.train: { vocab_size: 2048 } (and a data section), or point tokenizer.name at an existing tokenizer');
  }
  const data = requireData(loaded);
  const started = performance.now();
  reporter.info('tokenizer-start', `[tokenizer] training a byte-level BPE tokenizer (vocabulary ${train.vocabSize}) on ${describeSources(config)}`);
  let bar: Progress | undefined;
  let stage: TrainProgress['stage'] | undefined;
  let chars = 0;
  const sequences = async function* (): AsyncGenerator<string> {
    for await (const text of documents(data, 'train')) {
      for (const line of text.split(/(?<=\n)/)) {
        if (train.maxChars !== undefined && chars >= train.maxChars) return;
        chars += line.length;
        yield line;
      }
    }
  };
  const tokenizer = await trainBpe(sequences(), {
    vocabSize: train.vocabSize,
    specialTokens: train.specialTokens,
    minFrequency: train.minFrequency,
    onProgress: (progress) => {
      if (progress.stage !== stage) {
        bar?.done();
        stage = progress.stage;
        bar = reporter.progress(stage === 'merge' ? 'tokenizer: merges' : 'tokenizer: pre-tokenize', { total: progress.total, unit: stage === 'merge' ? 'tokens' : 'lines' });
      }
      bar?.update(progress.current);
    },
  });
  bar?.done();
  const { dir, file } = outputFolder(config.tokenizer.name);
  await saveTokenizer(tokenizer, dir, { modelMaxLength: config.tokenizer.modelMaxLength });
  const saved = await loadTokenizer(file === join(dir, 'tokenizer.json') ? dir : file);
  reporter.info('tokenizer-end', `[tokenizer] ${saved.vocabSize} tokens from ${(chars / 1e6).toFixed(2)} M characters in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${dir}`,
    { vocabSize: saved.vocabSize, characters: chars, path: dir });
  return saved;
}

/**
 * The config's tokenizer: loaded when `tokenizer.name` exists, else trained (when `tokenizer.train`
 * says how), else an error naming the key and its line.
 *
 * @example
 * ```ts
 * const tokenizer = await ensureTokenizer(loaded, reporter);
 * ```
 */
export async function ensureTokenizer(loaded: LoadedConfig, reporter: Reporter): Promise<Tokenizer> {
  const name = loaded.config.tokenizer.name;
  const file = isDirectory(name) ? join(name, 'tokenizer.json') : name;
  if (existsSync(file)) return loadTokenizer(name);
  if (!loaded.config.tokenizer.train) {
    requirePath(loaded, ['tokenizer', 'name'], 'a Hugging Face tokenizer folder or a tokenizer.json file',
      'point tokenizer.name at an existing tokenizer, or add tokenizer.train so that one is trained when it is missing');
  }
  return trainTokenizer(loaded, reporter);
}

/**
 * The config's data section (with its file sources checked), or an error saying it is needed.
 *
 * @example
 * ```ts
 * for await (const text of documents(requireData(loaded), 'train')) console.log(text.length);
 * ```
 */
export function requireData(loaded: LoadedConfig): NonNullable<RunConfig['data']> {
  const data = loaded.config.data;
  if (!data) {
    throw new ConfigError('data', loaded.source.file, 'is needed to prepare a tokenizer or shards',
      'add data: { sources: [{ builtin: moby-dick }] } or sources with path: <text or JSONL file>');
  }
  data.sources.forEach((s, i) => {
    if (s.kind === 'path') requirePath(loaded, ['data', 'sources', i, 'path'], 'a .txt or .jsonl file, or a folder of them');
  });
  return data;
}

/**
 * The data sources, for messages.
 *
 * @example
 * ```ts
 * describeSources(config); // 'moby-dick, sotu'
 * ```
 */
export function describeSources(config: RunConfig): string {
  return (config.data?.sources ?? []).map((s) => (s.kind === 'builtin' ? s.name : s.path)).join(', ');
}
