/**
 * @tessera/app-train, as a library (the CLI is `src/cli.ts`): load and validate configs, and run
 * the steps the subcommands run. Used by the app's tests and by scripts that drive runs.
 *
 * @example
 * ```ts
 * import { loadConfig, runTraining, Reporter } from '@tessera/app-train';
 * const summary = await runTraining(await loadConfig('apps/train/configs/tiny.yaml', ['save_folder=/tmp/t']), 'pretrain', new Reporter({ quiet: true }));
 * ```
 */
export { loadConfig, resolveModelConfig, type LoadedConfig } from './config/load.js';
export { parseConfigSource, readConfigSource, parseOverride, type ConfigSource, type KeyPath } from './config/source.js';
export { runConfigSchema, type RunConfigYaml } from './config/schema.js';
export { toRunConfig, type RunConfig, type DataSource, type LoaderConfig } from './config/run-config.js';
export { ConfigError, UsageError, type ConfigIssue } from './errors.js';
export { Reporter, Progress, type ReporterOptions, type LogFormat } from './report.js';
export { selectBackend, estimatePeakFlops } from './backend.js';
export { documents, isHeldOut } from './data/corpus.js';
export { FinetuneBatches, readFinetuneExamples, formatRecord, resolveFormat } from './data/finetune.js';
export { countTokens, unigramLoss } from './baseline.js';
export { mptTrainable } from './model-adapter.js';
export { ensureTokenizer, trainTokenizer, loadTokenizer, saveTokenizer, eosOf } from './steps/tokenizer.js';
export { ensureShards, convertDocuments } from './steps/convert.js';
export { runTraining, type TrainSummary } from './steps/train.js';
export { exportModel, resolveModelFolder } from './steps/export.js';
export { generateText } from './steps/generate.js';
