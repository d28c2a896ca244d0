/**
 * `MPTConfig`: the model's hyper-parameters in TypeScript names. Hugging Face's snake_case
 * `config.json` is translated in exactly one place, `hf-config.ts`.
 *
 * Glossary (model and kernel code): B batch, T sequence length (Tq queries, Tk keys), C = d_model,
 * H query heads, G key/value heads, hd head dim = C / H, V vocabulary rows, F FFN width, L layers.
 */
import { MPTConfigError } from '../errors.js';
import { alibiSlopes } from '../kernels/alibi.js';

/** `attn_config.attn_type`. Multi-query is G = 1; grouped-query uses `kvNHeads`. */
export type AttentionType = 'multihead_attention' | 'multiquery_attention' | 'grouped_query_attention';

/** `norm_type`. Both compute LayerNorm in float32 here (the "low precision" only matters under autocast). */
export type NormType = 'layernorm' | 'low_precision_layernorm';

/** `init_config.name`: the initialisation schemes llm-foundry names. */
export type InitName = 'kaiming_normal_' | 'kaiming_uniform_' | 'xavier_normal_' | 'xavier_uniform_' | 'baseline_' | 'small_init_' | 'neox_init_';

/**
 * `attn_config`.
 *
 * @example
 * ```ts
 * const attn: MPTAttentionConfig = { ...DEFAULT_ATTENTION, attnType: 'grouped_query_attention', kvNHeads: 2 };
 * ```
 */
export interface MPTAttentionConfig {
  readonly attnType: AttentionType;
  /** Grouped-query attention only: the number of key/value heads (divides `nHeads`). */
  readonly kvNHeads: number | null;
  readonly attnPdrop: number;
  /** Recorded for round trips; every implementation computes the same math here. */
  readonly attnImpl: 'torch' | 'flash' | 'triton';
  readonly qkLn: boolean;
  readonly clipQkv: number | null;
  /** null means 1 / sqrt(head dim). */
  readonly softmaxScale: number | null;
  readonly alibi: boolean;
  readonly alibiBiasMax: number;
}

/**
 * `init_config`: how {@link MPTForCausalLM.init} draws weights (training from scratch only).
 *
 * @example
 * ```ts
 * const init: MPTInitConfig = { ...DEFAULT_INIT, embInitStd: 0.02 };
 * ```
 */
export interface MPTInitConfig {
  readonly name: InitName;
  readonly fanMode: 'fan_in' | 'fan_out';
  readonly initNonlinearity: 'relu' | 'leaky_relu' | 'linear';
  /** true divides residual projections by sqrt(2 L); a number divides by that number. */
  readonly initDivIsResidual: boolean | number;
  readonly embInitStd: number | null;
  readonly embInitUniformLim: number | readonly [number, number] | null;
  readonly initStd: number | null;
  readonly initGain: number;
}

/**
 * MPT hyper-parameters. Build one with {@link createConfig} (fills defaults, validates) or read
 * one with `configFromHF(json)`.
 *
 * @example
 * ```ts
 * const config = createConfig({ dModel: 256, nHeads: 4, nLayers: 4, vocabSize: 8192, maxSeqLen: 256 });
 * ```
 */
export interface MPTConfig {
  readonly dModel: number;
  readonly nHeads: number;
  readonly nLayers: number;
  readonly expansionRatio: number;
  /** `ffn_config.ffn_hidden_size`: overrides dModel * expansionRatio when set. */
  readonly ffnHiddenSize: number | null;
  readonly maxSeqLen: number;
  readonly vocabSize: number;
  readonly residPdrop: number;
  readonly embPdrop: number;
  /** A learned `wpe` table; always false when ALiBi is on. */
  readonly learnedPosEmb: boolean;
  readonly attnConfig: MPTAttentionConfig;
  readonly initConfig: MPTInitConfig;
  readonly logitScale: number | 'inv_sqrt_d_model' | null;
  readonly noBias: boolean;
  /** Bias on Wqkv; null follows `!noBias`. */
  readonly attentionBias: boolean | null;
  readonly embeddingFraction: number;
  readonly normType: NormType;
  readonly normEps: number;
  readonly tieWordEmbeddings: boolean;
  readonly finalLogitSoftcapping: number | null;
  readonly useCache: boolean;
  /** Generation stops at these ids when set (`eos_token_id`). */
  readonly eosTokenId: number | readonly number[] | null;
  /**
   * Generic Hugging Face keys that do not affect the math (`architectures`, `auto_map`,
   * `torch_dtype`, `transformers_version`, ...), kept so a saved config round-trips.
   */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** Defaults of `attn_config` for absent keys. */
export const DEFAULT_ATTENTION: MPTAttentionConfig = {
  attnType: 'multihead_attention', kvNHeads: null, attnPdrop: 0, attnImpl: 'torch', qkLn: false, clipQkv: null,
  softmaxScale: null, alibi: true, alibiBiasMax: 8,
};

/** Defaults of `init_config` for absent keys (MPT's kaiming_normal_ fan_in relu recipe). */
export const DEFAULT_INIT: MPTInitConfig = {
  name: 'kaiming_normal_', fanMode: 'fan_in', initNonlinearity: 'relu', initDivIsResidual: true, embInitStd: null,
  embInitUniformLim: null, initStd: null, initGain: 0,
};

/**
 * Defaults for absent keys: llm-foundry's sizes, and the released-MPT / `transformers` values for
 * the switches where the two generations differ (`no_bias` true, `alibi` true), as the shared
 * fixtures specify.
 */
export const DEFAULT_CONFIG: MPTConfig = {
  dModel: 2048, nHeads: 16, nLayers: 24, expansionRatio: 4, ffnHiddenSize: null, maxSeqLen: 2048, vocabSize: 50368,
  residPdrop: 0, embPdrop: 0, learnedPosEmb: true, attnConfig: DEFAULT_ATTENTION, initConfig: DEFAULT_INIT, logitScale: null,
  noBias: true, attentionBias: null, embeddingFraction: 1, normType: 'low_precision_layernorm', normEps: 1e-5,
  tieWordEmbeddings: true, finalLogitSoftcapping: null, useCache: false, eosTokenId: null, extra: {},
};

/** A partial config for {@link createConfig}: nested objects may be partial too. */
export type MPTConfigInput = Partial<Omit<MPTConfig, 'attnConfig' | 'initConfig'>> & {
  attnConfig?: Partial<MPTAttentionConfig>;
  initConfig?: Partial<MPTInitConfig>;
};

/**
 * A complete, validated config from a partial one (absent fields take {@link DEFAULT_CONFIG}).
 * Throws {@link MPTConfigError} naming the offending key.
 *
 * @example
 * ```ts
 * const config = createConfig({ dModel: 64, nHeads: 4, nLayers: 2, vocabSize: 100, maxSeqLen: 32,
 *   attnConfig: { attnType: 'multiquery_attention' } });
 * ```
 */
export function createConfig(input: MPTConfigInput = {}): MPTConfig {
  const attnConfig = { ...DEFAULT_ATTENTION, ...input.attnConfig };
  const initConfig = { ...DEFAULT_INIT, ...input.initConfig };
  const config: MPTConfig = { ...DEFAULT_CONFIG, ...input, attnConfig, initConfig };
  // As llm-foundry: ALiBi replaces the learned positional table.
  const resolved = attnConfig.alibi ? { ...config, learnedPosEmb: false } : config;
  validateConfig(resolved);
  return resolved;
}

function positiveInteger(key: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new MPTConfigError(key, `must be a positive integer, got ${value}`);
}

function probability(key: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new MPTConfigError(key, `is a probability and must lie in [0, 1], got ${value}`);
}

/** Throws {@link MPTConfigError} when the config is inconsistent. */
export function validateConfig(config: MPTConfig): void {
  positiveInteger('d_model', config.dModel);
  positiveInteger('n_heads', config.nHeads);
  positiveInteger('n_layers', config.nLayers);
  positiveInteger('max_seq_len', config.maxSeqLen);
  positiveInteger('vocab_size', config.vocabSize);
  if (config.dModel % config.nHeads !== 0) {
    throw new MPTConfigError('n_heads', `d_model (${config.dModel}) must be divisible by n_heads (${config.nHeads})`);
  }
  probability('resid_pdrop', config.residPdrop);
  probability('emb_pdrop', config.embPdrop);
  probability('attn_config.attn_pdrop', config.attnConfig.attnPdrop);
  if (config.ffnHiddenSize !== null) positiveInteger('ffn_config.ffn_hidden_size', config.ffnHiddenSize);
  else if (!Number.isInteger(config.dModel * config.expansionRatio) || config.expansionRatio <= 0) {
    throw new MPTConfigError('expansion_ratio', `d_model * expansion_ratio (${config.dModel} * ${config.expansionRatio}) must be a positive integer`);
  }
  const attn = config.attnConfig;
  if (attn.attnType === 'grouped_query_attention') {
    const g = attn.kvNHeads;
    if (g === null) throw new MPTConfigError('attn_config.kv_n_heads', 'is required for grouped_query_attention');
    positiveInteger('attn_config.kv_n_heads', g);
    if (g > config.nHeads || config.nHeads % g !== 0) {
      throw new MPTConfigError('attn_config.kv_n_heads', `must divide n_heads (${config.nHeads}), got ${g}`);
    }
  }
  if (attn.clipQkv !== null && !(attn.clipQkv > 0)) throw new MPTConfigError('attn_config.clip_qkv', `must be positive or null, got ${attn.clipQkv}`);
  if (attn.softmaxScale !== null && !Number.isFinite(attn.softmaxScale)) {
    throw new MPTConfigError('attn_config.softmax_scale', `must be a finite number or null, got ${attn.softmaxScale}`);
  }
  if (!(attn.alibiBiasMax > 0)) throw new MPTConfigError('attn_config.alibi_bias_max', `must be positive, got ${attn.alibiBiasMax}`);
  if (config.logitScale !== null && config.logitScale !== 'inv_sqrt_d_model' && !Number.isFinite(config.logitScale)) {
    throw new MPTConfigError('logit_scale', `must be a number, "inv_sqrt_d_model" or null, got ${String(config.logitScale)}`);
  }
  if (!(config.normEps > 0)) throw new MPTConfigError('norm_eps', `must be positive, got ${config.normEps}`);
  if (!(config.embeddingFraction > 0 && config.embeddingFraction <= 1)) {
    throw new MPTConfigError('embedding_fraction', `must lie in (0, 1], got ${config.embeddingFraction}`);
  }
  if (config.finalLogitSoftcapping !== null && !(config.finalLogitSoftcapping > 0)) {
    throw new MPTConfigError('final_logit_softcapping', `must be positive or null, got ${config.finalLogitSoftcapping}`);
  }
}

/**
 * Sizes and constants derived from a config, computed once.
 *
 * @example
 * ```ts
 * const { headDim, kvHeads, ffnHidden, softmaxScale, slopes } = dimensions(config);
 * ```
 */
export interface MPTDimensions {
  readonly headDim: number;
  readonly kvHeads: number;
  readonly ffnHidden: number;
  readonly softmaxScale: number;
  /** Multiplier of the logits, or null. */
  readonly logitScale: number | null;
  /** ALiBi slopes per query head, or null without ALiBi. */
  readonly slopes: readonly number[] | null;
  /** Whether Wqkv has a bias. */
  readonly qkvBias: boolean;
}

/** Derived sizes of a config. */
export function dimensions(config: MPTConfig): MPTDimensions {
  const headDim = config.dModel / config.nHeads;
  const attn = config.attnConfig;
  const kvHeads = attn.attnType === 'multihead_attention' ? config.nHeads : attn.attnType === 'multiquery_attention' ? 1 : attn.kvNHeads!;
  return {
    headDim,
    kvHeads,
    ffnHidden: config.ffnHiddenSize ?? config.dModel * config.expansionRatio,
    softmaxScale: attn.softmaxScale ?? 1 / Math.sqrt(headDim),
    logitScale: config.logitScale === 'inv_sqrt_d_model' ? 1 / Math.sqrt(config.dModel) : config.logitScale,
    slopes: attn.alibi ? alibiSlopes(config.nHeads, attn.alibiBiasMax) : null,
    qkvBias: config.attentionBias ?? !config.noBias,
  };
}
