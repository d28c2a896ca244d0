/**
 * The run config in the packages' camelCase: the one place where llm-foundry's snake_case keys
 * (as validated by `schema.ts`) are translated. The `model` section stays a Hugging Face
 * `config.json` object, translated by `@tessera/model`'s `configFromHF` when the model is built.
 */
import type { RunConfigYaml } from './schema.js';

/** A raw-text source. */
export type DataSource =
  | { readonly kind: 'builtin'; readonly name: 'moby-dick' | 'sotu'; readonly maxChars: number | undefined }
  | { readonly kind: 'path'; readonly path: string; readonly field: string; readonly maxChars: number | undefined };

/** A `text` loader: tokenized MDS shards. */
export interface TextLoaderConfig {
  readonly kind: 'text';
  readonly local: string;
  readonly remote: string | undefined;
  readonly split: string | undefined;
  readonly shuffle: boolean;
  readonly shuffleSeed: number | undefined;
  readonly shuffleAlgo: string | undefined;
  readonly maxSeqLen: number;
  readonly dropLast: boolean;
  readonly numWorkers: number;
}

/** A `finetuning` loader: prompt/response (or chat) JSONL. */
export interface FinetuningLoaderConfig {
  readonly kind: 'finetuning';
  readonly path: string;
  readonly split: string | undefined;
  readonly maxSeqLen: number;
  readonly shuffle: boolean;
  readonly shuffleSeed: number | undefined;
  readonly format: 'auto' | 'chatml' | 'instruct' | 'plain';
  readonly dropLast: boolean;
}

/** Either loader. */
export type LoaderConfig = TextLoaderConfig | FinetuningLoaderConfig;

/** The optimizer (llm-foundry names). */
export type OptimizerConfig =
  | { readonly name: 'decoupled_lionw'; readonly lr: number; readonly betas: readonly [number, number] | undefined; readonly weightDecay: number }
  | { readonly name: 'decoupled_adamw' | 'adamw'; readonly lr: number; readonly betas: readonly [number, number] | undefined; readonly eps: number | undefined; readonly weightDecay: number | undefined };

/** The learning-rate schedule (Composer names). */
export type SchedulerConfig =
  | { readonly name: 'cosine_with_warmup' | 'linear_decay_with_warmup'; readonly tWarmup: string | number; readonly alphaF: number; readonly tMax: string | number | undefined }
  | { readonly name: 'constant_with_warmup'; readonly tWarmup: string | number; readonly alpha: number; readonly tMax: string | number | undefined }
  | { readonly name: 'cosine_annealing'; readonly alphaF: number; readonly tMax: string | number | undefined }
  | { readonly name: 'constant'; readonly alpha: number; readonly tMax: string | number | undefined };

/**
 * Everything a command needs, in camelCase.
 *
 * @example
 * ```ts
 * const { config } = await loadConfig('apps/train/configs/tiny.yaml');
 * config.model.json.d_model; // 32
 * ```
 */
export interface RunConfig {
  readonly runName: string;
  readonly seed: number;
  readonly backend: 'auto' | 'cpu' | 'native';
  readonly data: { readonly sources: readonly DataSource[]; readonly evalFraction: number; readonly splitSeed: number } | undefined;
  readonly tokenizer: {
    readonly name: string;
    readonly modelMaxLength: number | undefined;
    readonly train: { readonly vocabSize: number; readonly minFrequency: number; readonly specialTokens: readonly string[]; readonly maxChars: number | undefined } | undefined;
  };
  readonly model: {
    readonly name: 'mpt_causal_lm' | 'hf_causal_lm';
    /** A Hugging Face folder to start from (finetune). */
    readonly pretrained: string | undefined;
    /** MPT config.json keys (snake_case, for configFromHF). */
    readonly json: Readonly<Record<string, unknown>>;
  };
  readonly trainLoader: LoaderConfig;
  readonly evalLoader: LoaderConfig | undefined;
  readonly optimizer: OptimizerConfig;
  readonly scheduler: SchedulerConfig | undefined;
  readonly gradientClipping: { readonly type: 'norm' | 'value'; readonly threshold: number } | undefined;
  readonly speedMonitor: { readonly windowSize: number; readonly peakFlopsPerSec: number | undefined } | undefined;
  readonly maxDuration: string | number;
  readonly evalInterval: string | number;
  readonly evalSubsetNumBatches: number;
  readonly globalTrainBatchSize: number;
  readonly microBatchSize: number | undefined;
  readonly evalBatchSize: number;
  readonly saveFolder: string;
  readonly saveInterval: string | number;
  readonly saveNumCheckpointsToKeep: number;
  readonly autoresume: boolean;
  readonly loadPath: string | undefined;
  readonly progressBar: boolean;
  readonly logToConsole: boolean;
  readonly consoleLogInterval: string | number;
}

const APP_MODEL_KEYS = new Set(['name', 'pretrained_model_name_or_path', 'pretrained', 'init_device']);

function loader(yaml: RunConfigYaml['train_loader']): LoaderConfig {
  if (yaml.name === 'text') {
    const d = yaml.dataset;
    return {
      kind: 'text', local: d.local, remote: d.remote, split: d.split, shuffle: d.shuffle, shuffleSeed: d.shuffle_seed, shuffleAlgo: d.shuffle_algo,
      maxSeqLen: d.max_seq_len, dropLast: yaml.drop_last, numWorkers: yaml.num_workers,
    };
  }
  const d = yaml.dataset;
  return { kind: 'finetuning', path: d.hf_name, split: d.split, maxSeqLen: d.max_seq_len, shuffle: d.shuffle, shuffleSeed: d.shuffle_seed, format: d.format, dropLast: yaml.drop_last };
}

/**
 * Translate a validated YAML config.
 *
 * @example
 * ```ts
 * const config = toRunConfig(runConfigSchema.parse(object));
 * ```
 */
export function toRunConfig(yaml: RunConfigYaml): RunConfig {
  const o = yaml.optimizer;
  const s = yaml.scheduler;
  const clipping = yaml.algorithms?.gradient_clipping;
  const speed = yaml.callbacks?.speed_monitor;
  const train = yaml.tokenizer.train;
  return {
    runName: yaml.run_name,
    seed: yaml.seed,
    backend: yaml.backend,
    data: yaml.data && {
      sources: yaml.data.sources.map((x): DataSource => (x.builtin !== undefined
        ? { kind: 'builtin', name: x.builtin, maxChars: x.max_chars }
        : { kind: 'path', path: x.path!, field: x.field, maxChars: x.max_chars })),
      evalFraction: yaml.data.eval_fraction,
      splitSeed: yaml.data.split_seed,
    },
    tokenizer: {
      name: yaml.tokenizer.name,
      modelMaxLength: yaml.tokenizer.kwargs?.model_max_length,
      train: train && { vocabSize: train.vocab_size, minFrequency: train.min_frequency, specialTokens: train.special_tokens, maxChars: train.max_chars },
    },
    model: {
      name: yaml.model.name,
      pretrained: yaml.model.pretrained_model_name_or_path,
      json: Object.fromEntries(Object.entries(yaml.model).filter(([key]) => !APP_MODEL_KEYS.has(key))),
    },
    trainLoader: loader(yaml.train_loader),
    evalLoader: yaml.eval_loader && loader(yaml.eval_loader),
    optimizer: o.name === 'decoupled_lionw'
      ? { name: o.name, lr: o.lr, betas: o.betas, weightDecay: o.weight_decay }
      : { name: o.name, lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weight_decay },
    scheduler: s === undefined ? undefined
      : s.name === 'cosine_with_warmup' || s.name === 'linear_decay_with_warmup' ? { name: s.name, tWarmup: s.t_warmup, alphaF: s.alpha_f, tMax: s.t_max }
        : s.name === 'constant_with_warmup' ? { name: s.name, tWarmup: s.t_warmup, alpha: s.alpha, tMax: s.t_max }
          : s.name === 'cosine_annealing' ? { name: s.name, alphaF: s.alpha_f, tMax: s.t_max }
            : { name: s.name, alpha: s.alpha, tMax: s.t_max },
    gradientClipping: clipping && { type: clipping.clipping_type, threshold: clipping.clipping_threshold },
    speedMonitor: speed && { windowSize: speed.window_size, peakFlopsPerSec: speed.peak_flops_per_sec },
    maxDuration: yaml.max_duration,
    evalInterval: yaml.eval_interval,
    evalSubsetNumBatches: yaml.eval_subset_num_batches,
    globalTrainBatchSize: yaml.global_train_batch_size,
    microBatchSize: yaml.device_train_microbatch_size,
    evalBatchSize: yaml.device_eval_batch_size ?? yaml.device_train_microbatch_size ?? yaml.global_train_batch_size,
    saveFolder: yaml.save_folder,
    saveInterval: yaml.save_interval,
    saveNumCheckpointsToKeep: yaml.save_num_checkpoints_to_keep,
    autoresume: yaml.autoresume,
    loadPath: yaml.load_path,
    progressBar: yaml.progress_bar,
    logToConsole: yaml.log_to_console,
    consoleLogInterval: yaml.console_log_interval,
  };
}
