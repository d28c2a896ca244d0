/**
 * `tessera-train`: YAML config -> tokenizer -> MDS shards -> pretrain / finetune -> export and
 * generate. See `tessera-train --help` and apps/train/README.md.
 *
 * Exit codes: 0 success; 1 a failure while running; 2 a bad config or usage (the message names
 * the key and its file and line); 130 stopped by Ctrl-C (a checkpoint was written; rerun to
 * resume).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { TesseraError } from '@tessera/tensor';
import { trainBpe } from '@tessera/tokenizer';
import { loadConfig } from './config/load.js';
import type { DataSource } from './config/run-config.js';
import { documents } from './data/corpus.js';
import { ConfigError, UsageError } from './errors.js';
import { Reporter, type LogFormat } from './report.js';
import { convertDocuments, ensureShards } from './steps/convert.js';
import { exportModel } from './steps/export.js';
import { generateText } from './steps/generate.js';
import { ensureTokenizer, loadTokenizer, saveTokenizer, trainTokenizer } from './steps/tokenizer.js';
import { runTraining } from './steps/train.js';

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

interface GlobalOptions { quiet?: boolean; logFormat: LogFormat }

function reporterOf(command: Command): Reporter {
  const options = command.optsWithGlobals<GlobalOptions>();
  return new Reporter({ quiet: options.quiet ?? false, format: options.logFormat });
}

/** A --input value: a bundled corpus name or a path. */
function inputSource(input: string, field: string): DataSource {
  return input === 'moby-dick' || input === 'sotu' ? { kind: 'builtin', name: input, maxChars: undefined } : { kind: 'path', path: input, field, maxChars: undefined };
}

let exitCode = 0;

const program = new Command('tessera-train')
  .description('Train MPT language models from YAML configs in llm-foundry\'s shape: tokenizer -> shards -> pretrain/finetune -> export -> generate.')
  .addOption(new Option('--log-format <format>', 'text, or one JSON object per line (for CI)').choices(['text', 'json']).default('text'))
  .option('-q, --quiet', 'no progress or per-step messages; only warnings, errors and results')
  .showHelpAfterError()
  .exitOverride();

program.command('pretrain')
  .description('train an MPT from scratch (prepares a missing tokenizer and shards from the config\'s data first)')
  .argument('<config>', 'YAML config, e.g. apps/train/configs/tiny.yaml')
  .argument('[overrides...]', 'key.sub=value overrides, e.g. save_folder=runs/a max_duration=40ba')
  .action(async (config: string, overrides: string[], _options: unknown, command: Command) => {
    const summary = await runTraining(await loadConfig(config, overrides), 'pretrain', reporterOf(command));
    if (summary.stopped) exitCode = 130;
  });

program.command('finetune')
  .description('fine-tune from a Hugging Face folder (model.pretrained_model_name_or_path); prompt/response data is trained on the response tokens only')
  .argument('<config>', 'YAML config with a finetuning train_loader')
  .argument('[overrides...]', 'key.sub=value overrides')
  .action(async (config: string, overrides: string[], _options: unknown, command: Command) => {
    const summary = await runTraining(await loadConfig(config, overrides), 'finetune', reporterOf(command));
    if (summary.stopped) exitCode = 130;
  });

program.command('tokenizer')
  .description('train a byte-level BPE tokenizer: the config\'s (tokenizer.train on data, written to tokenizer.name), or on --input')
  .argument('[config]', 'YAML config')
  .argument('[overrides...]', 'key.sub=value overrides')
  .option('--input <path>', 'text/JSONL file or folder, or moby-dick / sotu (instead of a config)')
  .option('--out <dir>', 'output folder (with --input)')
  .option('--vocab-size <n>', 'vocabulary size (with --input)', integer(257), 4096)
  .option('--min-frequency <n>', 'least count of a merged pair (with --input)', integer(0), 2)
  .option('--special-tokens <list>', 'comma-separated special tokens (with --input)', '<|endoftext|>')
  .option('--field <name>', 'JSONL text field (with --input)', 'text')
  .action(async (config: string | undefined, overrides: string[], options: { input?: string; out?: string; vocabSize: number; minFrequency: number; specialTokens: string; field: string }, command: Command) => {
    const reporter = reporterOf(command);
    if (options.input !== undefined) {
      if (!options.out) throw new UsageError('--input needs --out <dir>');
      const bar = reporter.progress('tokenizer', { unit: 'docs' });
      async function* lines(): AsyncGenerator<string> {
        for await (const text of documents({ sources: [inputSource(options.input!, options.field)], evalFraction: 0, splitSeed: 0 }, 'all')) {
          bar.tick();
          yield* text.split(/(?<=\n)/);
        }
      }
      const tokenizer = await trainBpe(lines(), { vocabSize: options.vocabSize, minFrequency: options.minFrequency, specialTokens: options.specialTokens.split(',').filter(Boolean) });
      bar.done();
      await saveTokenizer(tokenizer, options.out);
      reporter.result('tokenizer', `[tokenizer] ${tokenizer.vocabSize} tokens -> ${options.out}`, { vocabSize: tokenizer.vocabSize, out: options.out });
      return;
    }
    if (config === undefined) throw new UsageError('give a config (tessera-train tokenizer <config.yaml>) or --input <file> --out <dir>');
    const tokenizer = await trainTokenizer(await loadConfig(config, overrides), reporter);
    reporter.result('tokenizer', `[tokenizer] ${tokenizer.vocabSize} tokens`, { vocabSize: tokenizer.vocabSize });
  });

program.command('convert')
  .description('text or JSONL -> tokenized MDS shards: the config\'s train/eval shards (missing ones, or all with --force), or --input')
  .argument('[config]', 'YAML config')
  .argument('[overrides...]', 'key.sub=value overrides')
  .option('--force', 'rewrite shards that exist')
  .option('--input <path>', 'text/JSONL file or folder, or moby-dick / sotu (instead of a config)')
  .option('--tokenizer <path>', 'tokenizer folder or tokenizer.json (with --input)')
  .option('--out <dir>', 'output folder (with --input)')
  .option('--concat-tokens <n>', 'tokens per sample (with --input)', integer(1), 2048)
  .option('--field <name>', 'JSONL text field (with --input)', 'text')
  .action(async (config: string | undefined, overrides: string[], options: { force?: boolean; input?: string; tokenizer?: string; out?: string; concatTokens: number; field: string }, command: Command) => {
    const reporter = reporterOf(command);
    if (options.input !== undefined) {
      if (!options.out || !options.tokenizer) throw new UsageError('--input needs --tokenizer <path> and --out <dir>');
      const tokenizer = await loadTokenizer(options.tokenizer);
      const summary = await convertDocuments(documents({ sources: [inputSource(options.input, options.field)], evalFraction: 0, splitSeed: 0 }, 'all'),
        { out: options.out, tokenizer, concatTokens: options.concatTokens, reporter });
      reporter.result('convert', `[convert] ${summary.samples} samples (${summary.tokens} tokens) -> ${summary.out}`, { ...summary });
      return;
    }
    if (config === undefined) throw new UsageError('give a config (tessera-train convert <config.yaml>) or --input <file> --tokenizer <path> --out <dir>');
    const loaded = await loadConfig(config, overrides);
    const tokenizer = await ensureTokenizer(loaded, reporter);
    const summaries = await ensureShards(loaded, tokenizer, reporter, { force: options.force ?? false });
    if (summaries.length === 0) reporter.result('convert', '[convert] the shards exist already (--force rewrites them)');
    for (const s of summaries) reporter.result('convert', `[convert] ${s.samples} samples (${s.tokens} tokens) -> ${s.out}`, { ...s });
  });

program.command('export')
  .description('write the newest checkpoint of a run folder as a Hugging Face folder (config.json, model.safetensors, tokenizer.json, tokenizer_config.json)')
  .argument('<run>', 'run folder (save_folder) or checkpoint folder')
  .argument('<out>', 'output folder')
  .action(async (run: string, out: string, _options: unknown, command: Command) => {
    await exportModel(run, out, reporterOf(command));
  });

program.command('generate')
  .description('sample text from a Hugging Face folder, a checkpoint or a run folder (its newest checkpoint)')
  .argument('<model>', 'model folder or run folder')
  .option('-p, --prompt <text>', 'the prompt', '')
  .option('-n, --max-new-tokens <n>', 'tokens to generate', integer(1), 64)
  .option('-t, --temperature <t>', '0 is greedy', number, 0.8)
  .option('--top-k <k>', 'sample from the k most likely tokens', integer(1))
  .option('--top-p <p>', 'nucleus sampling', number)
  .option('--repetition-penalty <r>', 'penalise repeated tokens (1 = off)', number)
  .option('--seed <n>', 'sampling seed (default random)', integer(0))
  .addOption(new Option('--format <format>', 'wrap the prompt: plain, chat (ChatML) or instruct (MPT-Instruct)').choices(['plain', 'chat', 'instruct']).default('plain'))
  .addOption(new Option('--backend <backend>', 'auto, cpu or native').choices(['auto', 'cpu', 'native']).default('auto'))
  .action(async (model: string, options: { prompt: string; maxNewTokens: number; temperature: number; topK?: number; topP?: number; repetitionPenalty?: number; seed?: number; format: 'plain' | 'chat' | 'instruct'; backend: 'auto' | 'cpu' | 'native' }, command: Command) => {
    await generateText(model, {
      prompt: options.prompt, maxNewTokens: options.maxNewTokens, temperature: options.temperature, format: options.format, backend: options.backend,
      ...(options.topK === undefined ? {} : { topK: options.topK }), ...(options.topP === undefined ? {} : { topP: options.topP }),
      ...(options.repetitionPenalty === undefined ? {} : { repetitionPenalty: options.repetitionPenalty }), ...(options.seed === undefined ? {} : { seed: options.seed }),
    }, reporterOf(command));
  });

program.command('check')
  .description('validate a config and print it resolved (overrides and ${...} applied)')
  .argument('<config>', 'YAML config')
  .argument('[overrides...]', 'key.sub=value overrides')
  .action(async (config: string, overrides: string[], _options: unknown, command: Command) => {
    const { source } = await loadConfig(config, overrides);
    const { stringify } = await import('yaml');
    reporterOf(command).result('check', `# ${config}: valid\n${stringify(source.value).trimEnd()}`);
  });

try {
  await program.parseAsync();
} catch (error) {
  exitCode = report(error);
}
process.exitCode = exitCode;

/** Print an error; the exit code for it. */
function report(error: unknown): number {
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) {
    return code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help' ? 0 : 2;
  }
  const options = program.opts<GlobalOptions>();
  const reporter = new Reporter({ quiet: options.quiet ?? false, format: options.logFormat ?? 'text' });
  const message = error instanceof Error ? error.message : String(error);
  if (ConfigError.isInstance(error) || UsageError.isInstance(error)) {
    reporter.error(message);
    return 2;
  }
  reporter.error(TesseraError.isInstance(error) ? message : `${message}${process.env.TESSERA_DEBUG ? `\n${(error as Error).stack ?? ''}` : '\n(set TESSERA_DEBUG=1 for the stack trace)'}`);
  return 1;
}
