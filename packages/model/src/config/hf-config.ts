/**
 * Hugging Face `config.json` <-> {@link MPTConfig}: the one place where snake_case names are
 * translated. Reading is literal: present keys are validated, absent keys take the defaults, and
 * a key that is unknown or set to a value this implementation does not support throws
 * {@link MPTConfigError} naming it (dotted for nested keys). Generic `PretrainedConfig` keys that
 * do not affect the math are kept in `extra` and written back.
 */
import { MPTConfigError } from '../errors.js';
import {
  createConfig, type AttentionType, type InitName, type MPTAttentionConfig, type MPTConfig,
  type MPTConfigInput, type MPTInitConfig, type NormType,
} from './mpt-config.js';

type Json = Record<string, unknown>;

/** Generic PretrainedConfig / tooling keys: no effect on the math, kept for round trips. */
const PASSTHROUGH = new Set([
  'architectures', 'auto_map', 'torch_dtype', 'transformers_version', '_name_or_path', 'name_or_path', 'tokenizer_name', 'init_device',
  'verbose', 'initializer_range', 'bos_token_id', 'pad_token_id', 'sep_token_id', 'decoder_start_token_id', 'return_dict',
  'output_hidden_states', 'output_attentions', 'torchscript', 'use_bfloat16', 'tf_legacy_loss', 'pruned_heads', 'chunk_size_feed_forward',
  'is_encoder_decoder', 'is_decoder', 'cross_attention_hidden_size', 'add_cross_attention', 'tie_encoder_decoder', 'max_length',
  'min_length', 'do_sample', 'early_stopping', 'num_beams', 'num_beam_groups', 'diversity_penalty', 'temperature', 'top_k', 'top_p',
  'typical_p', 'repetition_penalty', 'length_penalty', 'no_repeat_ngram_size', 'encoder_no_repeat_ngram_size', 'bad_words_ids',
  'num_return_sequences', 'output_scores', 'return_dict_in_generate', 'forced_bos_token_id', 'forced_eos_token_id',
  'remove_invalid_values', 'exponential_decay_length_penalty', 'suppress_tokens', 'begin_suppress_tokens', 'finetuning_task',
  'id2label', 'label2id', 'tokenizer_class', 'prefix', 'task_specific_params', 'problem_type', '_commit_hash', '_attn_implementation',
  '_attn_implementation_autoset', 'use_return_dict', 'gradient_checkpointing', 'use_pad_tok_in_ffn', 'name', 'loss_fn', 'n_parameters',
]);

/** Keys whose only supported value is a neutral one (features this implementation does not have). */
const NEUTRAL_TOP: Record<string, readonly unknown[]> = {
  block_overrides: [null, undefined], residual_modification: [null], residual_coeff: [null], fc_type: ['torch'], prefix_lm: [false, null],
};
const NEUTRAL_ATTN: Record<string, readonly unknown[]> = {
  qk_gn: [false], fused_qkv: [true], prefix_lm: [false, null], attn_uses_sequence_id: [false], sliding_window_size: [-1, null],
  rope: [false], attn_logit_softcapping: [null], flex_attn_mod_list: [null],
};
/** Settings of features that are off (rope); ignored. */
const INERT_ATTN = new Set(['rope_theta', 'rope_impl', 'rope_dail_config', 'rope_hf_config', 'attn_temperature_tuning', 'flex_attn_config']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Reader {
  readonly seen = new Set<string>();
  constructor(readonly json: Json, readonly prefix: string) {}

  key(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }

  has(name: string): boolean {
    return name in this.json && this.json[name] !== undefined;
  }

  raw(name: string): unknown {
    this.seen.add(name);
    return this.json[name];
  }

  number(name: string, options: { nullable?: boolean; integer?: boolean } = {}): number | null | undefined {
    if (!this.has(name)) return undefined;
    const v = this.raw(name);
    if (v === null && options.nullable) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || (options.integer && !Number.isInteger(v))) {
      throw new MPTConfigError(this.key(name), `expected ${options.integer ? 'an integer' : 'a number'}${options.nullable ? ' or null' : ''}, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  boolean(name: string): boolean | undefined {
    if (!this.has(name)) return undefined;
    const v = this.raw(name);
    if (typeof v !== 'boolean') throw new MPTConfigError(this.key(name), `expected true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  choice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    if (!this.has(name)) return undefined;
    const v = this.raw(name);
    if (!allowed.includes(v as T)) {
      throw new MPTConfigError(this.key(name), `${JSON.stringify(v)} is not supported`, `supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    }
    return v as T;
  }

  neutral(table: Record<string, readonly unknown[]>): void {
    for (const [name, allowed] of Object.entries(table)) {
      if (!(name in this.json)) continue;
      const v = this.raw(name);
      if (!allowed.some((a) => a === v)) {
        throw new MPTConfigError(this.key(name), `${JSON.stringify(v)} is not supported by this implementation`,
          `supported: ${allowed.filter((a) => a !== undefined).map((a) => JSON.stringify(a)).join(' or ')}`);
      }
    }
  }

  rejectUnknown(extra: Set<string> = new Set()): void {
    for (const name of Object.keys(this.json)) {
      if (!this.seen.has(name) && !extra.has(name)) {
        throw new MPTConfigError(this.key(name), 'unknown setting', 'remove it, or check for a typo; unknown settings are not ignored silently');
      }
    }
  }
}

function section(parent: Reader, name: string): Reader | null {
  if (!parent.has(name) || parent.json[name] === null) {
    parent.seen.add(name);
    return null;
  }
  const v = parent.raw(name);
  if (!isObject(v)) throw new MPTConfigError(parent.key(name), `expected an object, got ${JSON.stringify(v)}`);
  return new Reader(v, parent.key(name));
}

function readAttention(r: Reader | null): Partial<MPTAttentionConfig> {
  if (!r) return {};
  r.neutral(NEUTRAL_ATTN);
  const out: { -readonly [K in keyof MPTAttentionConfig]?: MPTAttentionConfig[K] } = {
    attnType: r.choice<AttentionType>('attn_type', ['multihead_attention', 'multiquery_attention', 'grouped_query_attention']),
    kvNHeads: r.number('kv_n_heads', { nullable: true, integer: true }),
    attnPdrop: r.number('attn_pdrop') ?? undefined,
    attnImpl: r.choice('attn_impl', ['torch', 'flash', 'triton'] as const),
    qkLn: r.boolean('qk_ln'),
    clipQkv: r.number('clip_qkv', { nullable: true }),
    softmaxScale: r.number('softmax_scale', { nullable: true }),
    alibi: r.boolean('alibi'),
    alibiBiasMax: r.number('alibi_bias_max') ?? undefined,
  };
  r.rejectUnknown(INERT_ATTN);
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

function readFfn(r: Reader | null): number | null | undefined {
  if (!r) return undefined;
  r.choice('ffn_type', ['mptmlp'] as const);
  const hidden = r.number('ffn_hidden_size', { nullable: true, integer: true });
  if (r.has('ffn_act_fn')) {
    const act = r.raw('ffn_act_fn');
    const ok = act === null || (isObject(act) && act['name'] === 'gelu' && (act['approximate'] ?? 'none') === 'none' && Object.keys(act).every((k) => k === 'name' || k === 'approximate'));
    if (!ok) throw new MPTConfigError(r.key('ffn_act_fn'), `${JSON.stringify(act)} is not supported`, 'only exact GELU ({"name": "gelu", "approximate": "none"}) is implemented');
  }
  if (r.has('fc_type')) {
    const fc = r.raw('fc_type');
    if (fc !== 'torch' && !(isObject(fc) && fc['name'] === 'torch')) throw new MPTConfigError(r.key('fc_type'), `${JSON.stringify(fc)} is not supported`, 'only "torch" linear layers');
  }
  r.seen.add('bias');
  r.rejectUnknown();
  return hidden;
}

function readInit(r: Reader | null): Partial<MPTInitConfig> {
  if (!r) return {};
  const divRaw = r.has('init_div_is_residual') ? r.raw('init_div_is_residual') : undefined;
  let initDivIsResidual: boolean | number | undefined;
  if (divRaw !== undefined) {
    const parsed = typeof divRaw === 'string' ? Number(divRaw) : divRaw;
    if (typeof parsed !== 'boolean' && !(typeof parsed === 'number' && parsed > 0)) {
      throw new MPTConfigError(r.key('init_div_is_residual'), `expected a boolean or a positive number, got ${JSON.stringify(divRaw)}`);
    }
    initDivIsResidual = parsed;
  }
  let embInitUniformLim: MPTInitConfig['embInitUniformLim'] | undefined;
  if (r.has('emb_init_uniform_lim')) {
    const v = r.raw('emb_init_uniform_lim');
    const ok = v === null || typeof v === 'number' || (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number'));
    if (!ok) throw new MPTConfigError(r.key('emb_init_uniform_lim'), `expected a number, a [low, high] pair or null, got ${JSON.stringify(v)}`);
    embInitUniformLim = v as MPTInitConfig['embInitUniformLim'];
  }
  const out: { -readonly [K in keyof MPTInitConfig]?: MPTInitConfig[K] } = {
    name: r.choice<InitName>('name', ['kaiming_normal_', 'kaiming_uniform_', 'xavier_normal_', 'xavier_uniform_', 'baseline_', 'small_init_', 'neox_init_']),
    fanMode: r.choice('fan_mode', ['fan_in', 'fan_out'] as const),
    initNonlinearity: r.choice('init_nonlinearity', ['relu', 'leaky_relu', 'linear'] as const),
    initDivIsResidual,
    embInitStd: r.number('emb_init_std', { nullable: true }),
    embInitUniformLim,
    initStd: r.number('init_std', { nullable: true }),
    initGain: r.number('init_gain') ?? undefined,
  };
  r.rejectUnknown(new Set(['verbose']));
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/**
 * Read a Hugging Face MPT `config.json` object (parsed JSON).
 *
 * @example
 * ```ts
 * const config = configFromHF(JSON.parse(await readFile('config.json', 'utf8')));
 * console.log(config.dModel, config.attnConfig.alibi);
 * ```
 */
export function configFromHF(json: unknown): MPTConfig {
  if (!isObject(json)) throw new MPTConfigError('(root)', 'config.json must contain a JSON object');
  const r = new Reader(json, '');
  if (r.has('model_type') && r.raw('model_type') !== 'mpt') {
    throw new MPTConfigError('model_type', `expected "mpt", got ${JSON.stringify(json['model_type'])}`);
  }
  r.neutral(NEUTRAL_TOP);
  const input: { -readonly [K in keyof MPTConfigInput]: MPTConfigInput[K] } = {
    dModel: r.number('d_model', { integer: true }) ?? undefined,
    nHeads: r.number('n_heads', { integer: true }) ?? undefined,
    nLayers: r.number('n_layers', { integer: true }) ?? undefined,
    expansionRatio: r.number('expansion_ratio') ?? undefined,
    maxSeqLen: r.number('max_seq_len', { integer: true }) ?? undefined,
    vocabSize: r.number('vocab_size', { integer: true }) ?? undefined,
    residPdrop: r.number('resid_pdrop') ?? undefined,
    embPdrop: r.number('emb_pdrop') ?? undefined,
    learnedPosEmb: r.boolean('learned_pos_emb'),
    noBias: r.boolean('no_bias'),
    embeddingFraction: r.number('embedding_fraction') ?? undefined,
    normType: r.choice<NormType>('norm_type', ['layernorm', 'low_precision_layernorm']),
    tieWordEmbeddings: r.boolean('tie_word_embeddings'),
    useCache: r.boolean('use_cache'),
    finalLogitSoftcapping: r.number('final_logit_softcapping', { nullable: true }),
    attnConfig: readAttention(section(r, 'attn_config')),
    initConfig: readInit(section(r, 'init_config')),
  };
  const eps = r.number('norm_eps') ?? r.number('layer_norm_epsilon');
  if (eps !== undefined && eps !== null) input.normEps = eps;
  r.seen.add('layer_norm_epsilon');
  const hidden = readFfn(section(r, 'ffn_config'));
  if (hidden !== undefined) input.ffnHiddenSize = hidden;
  if (r.has('attention_bias')) {
    const v = r.raw('attention_bias');
    if (v !== null && typeof v !== 'boolean') throw new MPTConfigError('attention_bias', `expected a boolean or null, got ${JSON.stringify(v)}`);
    input.attentionBias = v;
  }
  if (r.has('logit_scale')) {
    const v = r.raw('logit_scale');
    if (v !== null && v !== 'inv_sqrt_d_model' && typeof v !== 'number') {
      throw new MPTConfigError('logit_scale', `expected a number, "inv_sqrt_d_model" or null, got ${JSON.stringify(v)}`);
    }
    input.logitScale = v;
  }
  if (r.has('eos_token_id')) {
    const v = r.raw('eos_token_id');
    const ok = v === null || Number.isInteger(v) || (Array.isArray(v) && v.every((x) => Number.isInteger(x)));
    if (!ok) throw new MPTConfigError('eos_token_id', `expected an integer, a list of integers or null, got ${JSON.stringify(v)}`);
    input.eosTokenId = v as number | number[] | null;
  }
  if (r.has('head_dim') && r.raw('head_dim') !== null) {
    const hd = r.json['head_dim'];
    const expected = (input.dModel ?? 2048) / (input.nHeads ?? 16);
    if (hd !== expected) throw new MPTConfigError('head_dim', `${JSON.stringify(hd)} differs from d_model / n_heads (${expected}); a head_dim override is not supported`);
  }
  const extra: Json = {};
  for (const name of Object.keys(json)) {
    if (PASSTHROUGH.has(name)) {
      extra[name] = json[name];
      r.seen.add(name);
    }
  }
  r.seen.add('model_type');
  r.rejectUnknown();
  for (const k of Object.keys(input) as (keyof typeof input)[]) if (input[k] === undefined) delete input[k];
  return createConfig({ ...input, extra });
}

/**
 * A complete Hugging Face MPT `config.json` object for a config (llm-foundry layout).
 *
 * @example
 * ```ts
 * await writeFile('config.json', JSON.stringify(configToHF(model.config), null, 2));
 * ```
 */
export function configToHF(config: MPTConfig): Json {
  const a = config.attnConfig;
  const i = config.initConfig;
  const attn: Json = {
    attn_type: a.attnType, attn_pdrop: a.attnPdrop, attn_impl: a.attnImpl, qk_ln: a.qkLn, clip_qkv: a.clipQkv, softmax_scale: a.softmaxScale,
    attn_uses_sequence_id: false, alibi: a.alibi, alibi_bias_max: a.alibiBiasMax,
  };
  if (a.attnType === 'grouped_query_attention') attn['kv_n_heads'] = a.kvNHeads;
  const out: Json = {
    architectures: ['MPTForCausalLM'],
    model_type: 'mpt',
    d_model: config.dModel, n_heads: config.nHeads, n_layers: config.nLayers, expansion_ratio: config.expansionRatio,
    max_seq_len: config.maxSeqLen, vocab_size: config.vocabSize, resid_pdrop: config.residPdrop, emb_pdrop: config.embPdrop,
    embedding_fraction: config.embeddingFraction, learned_pos_emb: config.learnedPosEmb,
    attn_config: attn,
    ffn_config: config.ffnHiddenSize === null ? { ffn_type: 'mptmlp' } : { ffn_type: 'mptmlp', ffn_hidden_size: config.ffnHiddenSize },
    init_device: 'cpu',
    init_config: {
      name: i.name, fan_mode: i.fanMode, init_nonlinearity: i.initNonlinearity, init_div_is_residual: i.initDivIsResidual,
      emb_init_std: i.embInitStd, emb_init_uniform_lim: i.embInitUniformLim, init_std: i.initStd, init_gain: i.initGain,
    },
    logit_scale: config.logitScale, no_bias: config.noBias, norm_type: config.normType, norm_eps: config.normEps,
    layer_norm_epsilon: config.normEps, tie_word_embeddings: config.tieWordEmbeddings, use_cache: config.useCache,
  };
  if (config.attentionBias !== null) out['attention_bias'] = config.attentionBias;
  if (config.finalLogitSoftcapping !== null) out['final_logit_softcapping'] = config.finalLogitSoftcapping;
  if (config.eosTokenId !== null) out['eos_token_id'] = config.eosTokenId;
  return { ...out, ...config.extra };
}
