/**
 * MPT initialisation (llm-foundry `init_config`), seeded. Linear weights follow the named scheme
 * (default kaiming_normal_, fan_in, relu: N(0, 2 / fan_in)); each part of the fused Wqkv is drawn
 * separately; residual projections (out_proj, down_proj) are divided by sqrt(2 L) when
 * `init_div_is_residual` is true (or by its value when it is a number); embeddings use
 * `emb_init_std`, else `emb_init_uniform_lim`, else the linear scheme; norm weights are 1 and
 * every bias 0. Values come from the tensor package's seeded Generator, so a seed gives the
 * same weights on every machine (not PyTorch's values).
 */
import { Generator } from '@tessera/tensor';
import type { MPTConfig, MPTInitConfig } from '../config/mpt-config.js';
import { MPTConfigError } from '../errors.js';
import { parameterSpecs, type ParameterSpec } from './parameters.js';

type Sampler = (g: Generator) => number;

function normal(std: number): Sampler {
  return (g) => std * g.nextNormal();
}

function uniform(low: number, high: number): Sampler {
  return (g) => low + (high - low) * g.nextDouble();
}

function gain(init: MPTInitConfig): number {
  if (init.initNonlinearity === 'linear') return 1;
  if (init.initNonlinearity === 'relu') return Math.SQRT2;
  return Math.sqrt(2 / (1 + init.initGain ** 2));
}

/** The sampler of the linear scheme for a weight with these fans. */
function linearSampler(config: MPTConfig, fanIn: number, fanOut: number): Sampler {
  const init = config.initConfig;
  const fan = init.fanMode === 'fan_in' ? fanIn : fanOut;
  switch (init.name) {
    case 'kaiming_normal_':
      return normal(gain(init) / Math.sqrt(fan));
    case 'kaiming_uniform_':
      return ((bound) => uniform(-bound, bound))(gain(init) * Math.sqrt(3 / fan));
    case 'xavier_normal_':
      return normal(init.initGain * Math.sqrt(2 / (fanIn + fanOut)));
    case 'xavier_uniform_':
      return ((bound) => uniform(-bound, bound))(init.initGain * Math.sqrt(6 / (fanIn + fanOut)));
    case 'baseline_':
      if (init.initStd === null) throw new MPTConfigError('init_config.init_std', 'baseline_ initialisation needs init_std');
      return normal(init.initStd);
    case 'small_init_':
    case 'neox_init_':
      return normal(Math.sqrt(2 / (5 * config.dModel)));
  }
}

function residualDivisor(config: MPTConfig): number {
  const init = config.initConfig;
  if (init.name === 'neox_init_') return config.nLayers / Math.sqrt(10);
  if (init.initDivIsResidual === true) return Math.sqrt(2 * config.nLayers);
  if (init.initDivIsResidual === false) return 1;
  return init.initDivIsResidual;
}

function fill(out: Float32Array, from: number, to: number, sampler: Sampler, g: Generator, divisor = 1): void {
  for (let i = from; i < to; i++) out[i] = sampler(g) / divisor;
}

function initOne(config: MPTConfig, spec: ParameterSpec, g: Generator): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (spec.kind === 'norm-weight') return out.fill(1);
  if (spec.kind === 'bias') return out;
  const [rows, cols] = spec.shape as [number, number];
  const init = config.initConfig;
  if (spec.kind === 'embedding') {
    const lim = init.embInitUniformLim;
    const sampler = init.embInitStd !== null ? normal(init.embInitStd)
      : lim !== null ? (typeof lim === 'number' ? uniform(-lim, lim) : uniform(lim[0], lim[1]))
      : linearSampler(config, cols, rows);
    fill(out, 0, size, sampler, g);
    return out;
  }
  const divisor = spec.residual ? residualDivisor(config) : 1;
  let row = 0;
  for (const part of spec.splits ?? [rows]) {
    fill(out, row * cols, (row + part) * cols, linearSampler(config, cols, part), g, divisor);
    row += part;
  }
  return out;
}

/**
 * Freshly initialised values of every parameter, by name (float32), from one seed.
 *
 * @example
 * ```ts
 * const values = initParameters(config, 42);
 * console.log(values.get('transformer.blocks.0.attn.Wqkv.weight')!.length);
 * ```
 */
export function initParameters(config: MPTConfig, seed: number): Map<string, Float32Array> {
  const g = new Generator(seed);
  return new Map(parameterSpecs(config).map((spec) => [spec.name, initOne(config, spec, g)]));
}
