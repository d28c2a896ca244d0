/** config.json translation: fixtures, defaults, every supported switch, and unknown or unsupported keys. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MPTConfigError } from '../errors.js';
import { configFromHF, configToHF } from './hf-config.js';
import { createConfig, dimensions } from './mpt-config.js';

const fixtureConfig = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../test/fixtures/${name}/config.json`, import.meta.url)), 'utf8'));

function keyOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (MPTConfigError.isInstance(e)) return e.key;
    throw e;
  }
  return undefined;
}

describe('configFromHF', () => {
  it('reads the fixtures', () => {
    const a = configFromHF(fixtureConfig('A'));
    expect(a).toMatchObject({ dModel: 32, nHeads: 4, nLayers: 2, vocabSize: 64, maxSeqLen: 16, noBias: true, learnedPosEmb: false, normEps: 1e-5 });
    expect(dimensions(a)).toMatchObject({ headDim: 8, kvHeads: 4, ffnHidden: 128, softmaxScale: 1 / Math.sqrt(8), logitScale: null, slopes: [0.25, 0.0625, 0.015625, 0.00390625] });
    const b = configFromHF(fixtureConfig('B'));
    expect(b.attnConfig).toMatchObject({ qkLn: true, clipQkv: 6 });
    expect(dimensions(b)).toMatchObject({ headDim: 16, logitScale: 0.5, slopes: [1 / 16, 1 / 256, 1 / 4] });
    expect(dimensions(configFromHF(fixtureConfig('C')))).toMatchObject({ kvHeads: 2 });
  });

  it('round-trips through configToHF', () => {
    for (const name of ['A', 'B', 'C']) {
      const config = configFromHF(fixtureConfig(name));
      const written = configToHF(config);
      expect(configFromHF(written)).toEqual(config);
      expect(written['architectures']).toEqual(['MPTForCausalLM']);
      expect(written['torch_dtype']).toBe('float32');
    }
  });

  it('fills absent keys with the documented defaults', () => {
    const config = configFromHF({ d_model: 64, n_heads: 4, n_layers: 2, vocab_size: 100, max_seq_len: 32 });
    expect(config).toMatchObject({ expansionRatio: 4, noBias: true, tieWordEmbeddings: true, normEps: 1e-5, logitScale: null, embeddingFraction: 1, normType: 'low_precision_layernorm' });
    expect(config.attnConfig).toMatchObject({ attnType: 'multihead_attention', alibi: true, alibiBiasMax: 8, softmaxScale: null, clipQkv: null, qkLn: false });
    expect(config.initConfig).toMatchObject({ name: 'kaiming_normal_', fanMode: 'fan_in', initNonlinearity: 'relu', initDivIsResidual: true });
  });

  it('supports MQA, GQA, logit_scale "inv_sqrt_d_model", softmax_scale, learned positions, biases, eos', () => {
    expect(dimensions(configFromHF({ d_model: 64, n_heads: 8, attn_config: { attn_type: 'multiquery_attention' } })).kvHeads).toBe(1);
    expect(dimensions(configFromHF({ d_model: 64, n_heads: 8, attn_config: { attn_type: 'grouped_query_attention', kv_n_heads: 4 } })).kvHeads).toBe(4);
    expect(dimensions(configFromHF({ d_model: 64, n_heads: 8, logit_scale: 'inv_sqrt_d_model' })).logitScale).toBe(1 / 8);
    expect(dimensions(configFromHF({ d_model: 64, n_heads: 8, attn_config: { softmax_scale: 0.5 } })).softmaxScale).toBe(0.5);
    const learned = configFromHF({ d_model: 64, n_heads: 8, learned_pos_emb: true, attn_config: { alibi: false }, no_bias: false, eos_token_id: 0 });
    expect(learned).toMatchObject({ learnedPosEmb: true, noBias: false, eosTokenId: 0 });
    expect(dimensions(learned)).toMatchObject({ slopes: null, qkvBias: true });
    // ALiBi turns the learned table off, as llm-foundry does (MPT-7B's config says learned_pos_emb: true).
    expect(configFromHF({ learned_pos_emb: true, attn_config: { alibi: true } }).learnedPosEmb).toBe(false);
    expect(configFromHF({ expansion_ratio: 2.5, d_model: 64, n_heads: 8 }).expansionRatio).toBe(2.5);
    expect(dimensions(configFromHF({ d_model: 64, n_heads: 8, ffn_config: { ffn_type: 'mptmlp', ffn_hidden_size: 100 } })).ffnHidden).toBe(100);
  });

  it('keeps generic Hugging Face keys and ignores inert rope settings', () => {
    const config = configFromHF({ ...fixtureConfig('A'), transformers_version: '4.28.1', auto_map: { AutoConfig: 'x' }, bos_token_id: 0,
      attn_config: { ...(fixtureConfig('A')['attn_config'] as object), rope: false, rope_theta: 10000 } });
    expect(config.extra).toMatchObject({ transformers_version: '4.28.1', bos_token_id: 0 });
    expect(configToHF(config)['auto_map']).toEqual({ AutoConfig: 'x' });
  });

  it.each([
    ['an unknown top-level key', { d_model: 64, n_heads: 8, hidden_size: 64 }, 'hidden_size'],
    ['an unknown attention key', { attn_config: { alibi: true, alibi_slope: 3 } }, 'attn_config.alibi_slope'],
    ['rope', { attn_config: { rope: true } }, 'attn_config.rope'],
    ['sequence-id masking', { attn_config: { attn_uses_sequence_id: true } }, 'attn_config.attn_uses_sequence_id'],
    ['prefix LM', { attn_config: { prefix_lm: true } }, 'attn_config.prefix_lm'],
    ['qk_gn', { attn_config: { qk_gn: true } }, 'attn_config.qk_gn'],
    ['a GLU FFN', { ffn_config: { ffn_type: 'mptglu' } }, 'ffn_config.ffn_type'],
    ['a tanh GELU', { ffn_config: { ffn_type: 'mptmlp', ffn_act_fn: { name: 'gelu', approximate: 'tanh' } } }, 'ffn_config.ffn_act_fn'],
    ['rmsnorm', { norm_type: 'rmsnorm' }, 'norm_type'],
    ['TransformerEngine layers', { fc_type: 'te' }, 'fc_type'],
    ['another model type', { model_type: 'llama' }, 'model_type'],
    ['GQA without kv_n_heads', { attn_config: { attn_type: 'grouped_query_attention' } }, 'attn_config.kv_n_heads'],
    ['kv_n_heads that does not divide n_heads', { n_heads: 8, d_model: 64, attn_config: { attn_type: 'grouped_query_attention', kv_n_heads: 3 } }, 'attn_config.kv_n_heads'],
    ['heads that do not divide d_model', { d_model: 50, n_heads: 8 }, 'n_heads'],
    ['a bad logit_scale', { logit_scale: 'sqrt' }, 'logit_scale'],
    ['a dropout outside [0, 1]', { resid_pdrop: 1.5 }, 'resid_pdrop'],
    ['a wrong type', { d_model: '64' }, 'd_model'],
    ['a head_dim override', { d_model: 64, n_heads: 8, head_dim: 16 }, 'head_dim'],
    ['a non-integer FFN width', { d_model: 10, n_heads: 2, expansion_ratio: 1.25 }, 'expansion_ratio'],
  ])('rejects %s, naming the key', (_, json, key) => {
    expect(keyOf(() => configFromHF(json))).toBe(key);
  });

  it('createConfig validates too', () => {
    expect(keyOf(() => createConfig({ dModel: 64, nHeads: 5 }))).toBe('n_heads');
    expect(createConfig({ dModel: 64, nHeads: 8 }).attnConfig.alibi).toBe(true);
  });
});
