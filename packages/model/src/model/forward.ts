/**
 * The MPT forward pass as a function of a parameter record (Hugging Face names), so a trainer can
 * differentiate it with `valueAndGrad` with respect to every parameter.
 *
 *   x = wte[ids] (+ wpe[pos])                  -> emb dropout, embedding_fraction gradient shrink
 *   per block:  x = x + dropout(out_proj(Attention(norm_1(x))))
 *               x = x + dropout(down_proj(gelu(up_proj(norm_2(x)))))
 *   logits = norm_f(x) @ wte^T (or lm_head) * logit_scale                          [B, T, V]
 *
 * Attention: qkv = a Wqkv^T, clamp to [-clip_qkv, clip_qkv], split Q | K | V, qk_ln on the full
 * q and k vectors, heads [B, H, T, hd] / [B, G, T, hd], append to the KV cache, then the fused
 * Attention kernel (causal, ALiBi, key padding mask, grouped heads).
 */
import * as tensorOps from '@tessera/tensor';
import {
  add, clamp, detach, div, embedding, gelu, InvalidArgumentError, layerNorm, linear, matmul, mul, permute, reshape, slice, split, tanh, tensor,
  type Tensor,
} from '@tessera/tensor';
import { dimensions, type MPTConfig, type MPTDimensions } from '../config/mpt-config.js';
import { attention, attentionProbs, type AttentionAttrs } from '../kernels/attention.js';
import { dropout, type TrainingMode } from './dropout.js';
import type { KVCache } from './kv-cache.js';
import { blockPrefix } from './parameters.js';

/** Parameters by Hugging Face name. */
export type ParameterRecord = Readonly<Record<string, Tensor>>;

/**
 * Options of a forward pass.
 *
 * @example
 * ```ts
 * const options: ForwardOptions = { attentionMask: [[0, 1, 1], [1, 1, 1]], cache };
 * ```
 */
export interface ForwardOptions {
  /** 1 = real token, 0 = padding, [B][T] or [B][past + T] when a cache is given. */
  readonly attentionMask?: readonly (readonly number[])[];
  /** Keys and values of earlier positions; this call appends its own. */
  readonly cache?: KVCache;
  /** Dropout on (seeded); absent = evaluation mode. */
  readonly training?: TrainingMode;
  /** Compute logits for the last position only ([B, 1, V]): what decoding needs. */
  readonly lastPositionOnly?: boolean;
}

function param(params: ParameterRecord, name: string): Tensor {
  const p = params[name];
  if (!p) throw new InvalidArgumentError('mptForward', `parameter '${name}' is missing`, 'pass every parameter of model.parameters()');
  return p;
}

function norm(config: MPTConfig, params: ParameterRecord, name: string, x: Tensor): Tensor {
  return layerNorm(x, param(params, `${name}.weight`), params[`${name}.bias`], config.normEps);
}

function lin(params: ParameterRecord, name: string, x: Tensor): Tensor {
  return linear(x, param(params, `${name}.weight`), params[`${name}.bias`]);
}

/** The key mask over past + current keys, or null when every key is visible. */
function fullKeyMask(B: number, T: number, past: number, options: ForwardOptions): boolean[][] | null {
  const given = options.attentionMask;
  const cached = options.cache?.mask ?? null;
  if (!given) return cached ? cached.map((row) => [...row, ...new Array<boolean>(T).fill(true)]) : null;
  if (given.length !== B) throw new InvalidArgumentError('forward', `attentionMask has ${given.length} rows for a batch of ${B}`);
  return given.map((row, b) => {
    if (row.length === past + T) return row.map((m) => m !== 0);
    if (row.length === T) return [...(cached?.[b] ?? new Array<boolean>(past).fill(true)), ...row.map((m) => m !== 0)];
    throw new InvalidArgumentError('forward', `attentionMask rows must have ${T} or ${past + T} entries, got ${row.length}`);
  });
}

/** Learned positions: past + t, shifted left by the padding seen so far (left padding starts at 0). */
function positions(B: number, T: number, past: number, mask: boolean[][] | null): Tensor {
  const out = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    let pads = 0;
    for (let t = 0; t < past + T; t++) {
      if (mask && !mask[b]![t]) pads++;
      if (t >= past) out[b * T + t - past] = Math.max(0, t - pads);
    }
  }
  return tensor(out, [B, T], 'int32');
}

function attentionBlock(config: MPTConfig, dims: MPTDimensions, params: ParameterRecord, layer: number, a: Tensor, keyMask: Tensor | undefined, options: ForwardOptions): Tensor {
  const p = `${blockPrefix(layer)}.attn`;
  const [B, T] = a.shape as [number, number];
  const { headDim: hd, kvHeads: G } = dims;
  const H = config.nHeads;
  let qkv = lin(params, `${p}.Wqkv`, a);
  const clip = config.attnConfig.clipQkv;
  if (clip !== null) qkv = clamp(qkv, -clip, clip);
  let [q, k, v] = split(qkv, [H * hd, G * hd, G * hd], -1) as [Tensor, Tensor, Tensor];
  if (config.attnConfig.qkLn) {
    q = norm(config, params, `${p}.q_ln`, q);
    k = norm(config, params, `${p}.k_ln`, k);
  }
  const heads = (x: Tensor, n: number): Tensor => permute(reshape(x, [B, T, n, hd]), [0, 2, 1, 3]);
  q = heads(q, H);
  k = heads(k, G);
  v = heads(v, G);
  if (options.cache) [k, v] = options.cache.append(layer, k, v);
  const attrs: AttentionAttrs = { softmaxScale: dims.softmaxScale, slopes: dims.slopes, causal: true };
  let context: Tensor;
  if (options.training && config.attnConfig.attnPdrop > 0) {
    const { p: probs, vx } = attentionProbs(tensorOps, q, k, v, keyMask, attrs);
    context = matmul(dropout(probs, config.attnConfig.attnPdrop, options.training), vx);
  } else {
    context = attention(q, k, v, attrs, keyMask);
  }
  return lin(params, `${p}.out_proj`, reshape(permute(context, [0, 2, 1, 3]), [B, T, H * hd]));
}

/**
 * Logits [B, T, V] (or [B, 1, V] with `lastPositionOnly`) for int32 ids [B, T].
 *
 * @example
 * ```ts
 * const logits = mptForward(config, model.parameters(), tensor([[1, 2, 3]], [1, 3], 'int32'));
 * ```
 */
export function mptForward(config: MPTConfig, params: ParameterRecord, ids: Tensor, options: ForwardOptions = {}): Tensor {
  const dims = dimensions(config);
  if (ids.rank !== 2) throw new InvalidArgumentError('forward', `input ids must be [B, T], got [${ids.shape.join(', ')}]`);
  const [B, T] = ids.shape as [number, number];
  const cache = options.cache;
  const past = cache?.length ?? 0;
  if (cache && past > 0 && cache.batchSize !== B) throw new InvalidArgumentError('forward', `the cache holds a batch of ${cache.batchSize}, got ${B}`);
  const mask = fullKeyMask(B, T, past, options);
  const keyMask = mask && mask.some((row) => row.some((m) => !m)) ? tensor(mask, [B, past + T], 'bool') : undefined;

  let x = embedding(param(params, 'transformer.wte.weight'), ids);
  if (config.learnedPosEmb) {
    if (past + T > config.maxSeqLen) {
      throw new InvalidArgumentError('forward', `${past + T} positions exceed max_seq_len ${config.maxSeqLen} of the learned position table`,
        'ALiBi models have no such limit; this config uses learned positions');
    }
    x = add(x, embedding(param(params, 'transformer.wpe.weight'), positions(B, T, past, mask)));
  }
  if (config.embeddingFraction < 1) x = add(mul(x, config.embeddingFraction), mul(detach(x), 1 - config.embeddingFraction));
  x = dropout(x, config.embPdrop, options.training);

  for (let i = 0; i < config.nLayers; i++) {
    const p = blockPrefix(i);
    const attn = attentionBlock(config, dims, params, i, norm(config, params, `${p}.norm_1`, x), keyMask, options);
    x = add(x, dropout(attn, config.residPdrop, options.training));
    const m = norm(config, params, `${p}.norm_2`, x);
    const ffn = lin(params, `${p}.ffn.down_proj`, gelu(lin(params, `${p}.ffn.up_proj`, m)));
    x = add(x, dropout(ffn, config.residPdrop, options.training));
  }
  cache?.advance(T);
  if (cache) cache.mask = mask;

  if (options.lastPositionOnly && T > 1) x = slice(x, 1, T - 1, T);
  const h = norm(config, params, 'transformer.norm_f', x);
  let logits = linear(h, param(params, config.tieWordEmbeddings ? 'transformer.wte.weight' : 'lm_head.weight'));
  if (dims.logitScale !== null) logits = mul(logits, dims.logitScale);
  const cap = config.finalLogitSoftcapping;
  if (cap !== null) logits = mul(tanh(div(logits, cap)), cap);
  return logits;
}
