/** Initialisation statistics follow MPT's init_config; seeds reproduce; memory and parameter counts. */
import { describe, expect, it } from 'vitest';
import { createConfig } from '../config/mpt-config.js';
import { estimateMemory, assertFits } from '../memory.js';
import { InsufficientMemoryError } from '../errors.js';
import { initParameters } from './init.js';
import { parameterCount, parameterSpecs } from './parameters.js';

function std(values: Float32Array, from = 0, to = values.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i]! * values[i]!;
  return Math.sqrt(sum / (to - from));
}

const mpt7b = createConfig({ dModel: 4096, nHeads: 32, nLayers: 32, vocabSize: 50432, maxSeqLen: 2048 });

describe('init', () => {
  const config = createConfig({ dModel: 128, nHeads: 4, nLayers: 3, vocabSize: 512, maxSeqLen: 64, attnConfig: { attnType: 'grouped_query_attention', kvNHeads: 2 } });
  const values = initParameters(config, 11);
  const L = 3;

  it('kaiming_normal fan_in relu, residual projections divided by sqrt(2L)', () => {
    const wqkv = values.get('transformer.blocks.0.attn.Wqkv.weight')!;
    expect(std(wqkv)).toBeCloseTo(Math.sqrt(2 / 128), 2);
    expect(std(wqkv, 128 * 128)).toBeCloseTo(Math.sqrt(2 / 128), 2); // K and V parts too
    expect(std(values.get('transformer.blocks.1.attn.out_proj.weight')!)).toBeCloseTo(Math.sqrt(2 / 128) / Math.sqrt(2 * L), 2);
    expect(std(values.get('transformer.blocks.2.ffn.down_proj.weight')!)).toBeCloseTo(Math.sqrt(2 / 512) / Math.sqrt(2 * L), 3);
    expect(std(values.get('transformer.wte.weight')!)).toBeCloseTo(Math.sqrt(2 / 128), 2);
    expect(Array.from(values.get('transformer.norm_f.weight')!).every((v) => v === 1)).toBe(true);
  });

  it('emb_init_std, init_div_is_residual false, baseline_', () => {
    const custom = initParameters(createConfig({ ...config, initConfig: { embInitStd: 0.02, initDivIsResidual: false } }), 1);
    expect(std(custom.get('transformer.wte.weight')!)).toBeCloseTo(0.02, 3);
    expect(std(custom.get('transformer.blocks.0.attn.out_proj.weight')!)).toBeCloseTo(Math.sqrt(2 / 128), 2);
    const baseline = initParameters(createConfig({ ...config, initConfig: { name: 'baseline_', initStd: 0.01 } }), 1);
    expect(std(baseline.get('transformer.blocks.0.ffn.up_proj.weight')!)).toBeCloseTo(0.01, 3);
  });

  it('is reproducible from the seed', () => {
    expect(initParameters(config, 11).get('transformer.wte.weight')).toEqual(values.get('transformer.wte.weight'));
    expect(initParameters(config, 12).get('transformer.wte.weight')).not.toEqual(values.get('transformer.wte.weight'));
  });
});

describe('parameters and memory', () => {
  it('count MPT-7B and MPT-30B exactly', () => {
    expect(parameterCount(mpt7b)).toBe(6_649_286_656);
    expect(parameterSpecs(mpt7b)).toHaveLength(194);
    expect(parameterCount(createConfig({ dModel: 7168, nHeads: 64, nLayers: 48, vocabSize: 50432, maxSeqLen: 8192 }))).toBe(29_957_200_896);
  });

  it('estimates parameter and KV-cache bytes', () => {
    const estimate = estimateMemory(mpt7b, { dtype: 'bfloat16', cacheDType: 'bfloat16', sequenceLength: 2048 });
    expect(estimate.parameterBytes).toBe(2 * 6_649_286_656);
    expect(estimate.kvCacheBytesPerToken).toBe(512 * 1024);
    expect(estimate.kvCacheBytes).toBe(2 ** 30);
    expect(estimate.summary).toContain('6.65B parameters');
    const gqa = estimateMemory(createConfig({ dModel: 64, nHeads: 8, nLayers: 2, attnConfig: { attnType: 'multiquery_attention' } }), { sequenceLength: 10 });
    expect(gqa.kvCacheBytesPerToken).toBe(2 * 2 * 1 * 8 * 4);
  });

  it('throws a clear error when it will not fit', () => {
    const estimate = estimateMemory(mpt7b, { dtype: 'bfloat16' });
    expect(() => assertFits(estimate, 8 * 2 ** 30)).toThrow(InsufficientMemoryError);
    expect(() => assertFits(estimate, 8 * 2 ** 30)).toThrow(/12\.4 GiB \(bfloat16\) \+ KV cache 2\.0 GiB .*needs 14\.4 GiB but only 8\.0 GiB/);
    expect(() => assertFits(estimate, 64 * 2 ** 30)).not.toThrow();
  });
});
