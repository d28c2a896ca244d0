/**
 * The parameters of an MPT model: exact Hugging Face names and shapes for a config.
 *
 *   transformer.wte.weight                       [V, C]
 *   transformer.wpe.weight                       [max_seq_len, C]       learned_pos_emb (no ALiBi) only
 *   transformer.blocks.{i}.norm_1.weight         [C]                    (+ .bias unless no_bias)
 *   transformer.blocks.{i}.attn.Wqkv.weight      [(H + 2G) hd, C]       (+ .bias when attention_bias)
 *   transformer.blocks.{i}.attn.q_ln.weight      [H hd]                 qk_ln only (+ .bias unless no_bias)
 *   transformer.blocks.{i}.attn.k_ln.weight      [G hd]                 qk_ln only (+ .bias unless no_bias)
 *   transformer.blocks.{i}.attn.out_proj.weight  [C, H hd]              (+ .bias unless no_bias)
 *   transformer.blocks.{i}.norm_2.weight         [C]
 *   transformer.blocks.{i}.ffn.up_proj.weight    [F, C]                 (+ .bias unless no_bias)
 *   transformer.blocks.{i}.ffn.down_proj.weight  [C, F]                 (+ .bias unless no_bias)
 *   transformer.norm_f.weight                    [C]
 *   lm_head.weight                               [V, C]                 untied embeddings only
 */
import { dimensions, type MPTConfig } from '../config/mpt-config.js';

/** What a parameter is, for initialisation. */
export type ParameterKind = 'embedding' | 'linear' | 'norm-weight' | 'bias';

/**
 * One parameter: name, shape, and how it is initialised.
 *
 * @example
 * ```ts
 * const wte: ParameterSpec = parameterSpecs(config)[0]!; // { name: 'transformer.wte.weight', shape: [V, C], kind: 'embedding' }
 * ```
 */
export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly kind: ParameterKind;
  /** Residual projections (out_proj, down_proj) are scaled down at init. */
  readonly residual?: boolean;
  /** Row counts of separately initialised parts of a fused weight (Wqkv: Q | K | V). */
  readonly splits?: readonly number[];
}

/** The name prefix of block i. */
export function blockPrefix(i: number): string {
  return `transformer.blocks.${i}`;
}

/**
 * Every parameter of a config, in module order (embedding, blocks, final norm, head).
 *
 * @example
 * ```ts
 * const names = parameterSpecs(config).map((p) => p.name);
 * ```
 */
export function parameterSpecs(config: MPTConfig): ParameterSpec[] {
  const { headDim, kvHeads, ffnHidden, qkvBias } = dimensions(config);
  const C = config.dModel;
  const qDim = config.nHeads * headDim;
  const kvDim = kvHeads * headDim;
  const bias = !config.noBias;
  const specs: ParameterSpec[] = [{ name: 'transformer.wte.weight', shape: [config.vocabSize, C], kind: 'embedding' }];
  if (config.learnedPosEmb) specs.push({ name: 'transformer.wpe.weight', shape: [config.maxSeqLen, C], kind: 'embedding' });
  const norm = (name: string, size: number): void => {
    specs.push({ name: `${name}.weight`, shape: [size], kind: 'norm-weight' });
    if (bias) specs.push({ name: `${name}.bias`, shape: [size], kind: 'bias' });
  };
  const linear = (name: string, out: number, inp: number, hasBias: boolean, extra: Partial<ParameterSpec> = {}): void => {
    specs.push({ name: `${name}.weight`, shape: [out, inp], kind: 'linear', ...extra });
    if (hasBias) specs.push({ name: `${name}.bias`, shape: [out], kind: 'bias' });
  };
  for (let i = 0; i < config.nLayers; i++) {
    const p = blockPrefix(i);
    norm(`${p}.norm_1`, C);
    linear(`${p}.attn.Wqkv`, qDim + 2 * kvDim, C, qkvBias, { splits: [qDim, kvDim, kvDim] });
    if (config.attnConfig.qkLn) {
      norm(`${p}.attn.q_ln`, qDim);
      norm(`${p}.attn.k_ln`, kvDim);
    }
    linear(`${p}.attn.out_proj`, C, qDim, bias, { residual: true });
    norm(`${p}.norm_2`, C);
    linear(`${p}.ffn.up_proj`, ffnHidden, C, bias);
    linear(`${p}.ffn.down_proj`, C, ffnHidden, bias, { residual: true });
  }
  norm('transformer.norm_f', C);
  if (!config.tieWordEmbeddings) linear('lm_head', config.vocabSize, C, false);
  return specs;
}

/**
 * The number of parameter values of a config.
 *
 * @example
 * ```ts
 * parameterCount(mpt7bConfig); // 6_649_286_656
 * ```
 */
export function parameterCount(config: MPTConfig): number {
  return parameterSpecs(config).reduce((total, p) => total + p.shape.reduce((a, b) => a * b, 1), 0);
}
