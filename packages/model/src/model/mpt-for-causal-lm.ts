/**
 * `MPTForCausalLM`: an MPT model = a config + its parameters (by Hugging Face name). Loading and
 * saving Hugging Face checkpoint folders, the forward pass, the training loss with gradients for
 * every parameter, and generation.
 */
import { InvalidArgumentError, keep, scope, tensor, valueAndGrad, type Tensor } from '@tessera/tensor';
import { configFromHF } from '../config/hf-config.js';
import { dimensions, type MPTConfig, type MPTDimensions } from '../config/mpt-config.js';
import { CheckpointMismatchError } from '../errors.js';
import { generateTokens, streamTokens, type GenerateOptions, type GenerationStep } from '../generation/generate.js';
import { locateTensors, matchParameters, readParameters, type LoadDType } from '../checkpoint/load.js';
import type { LoadOptions, SaveOptions } from '../checkpoint/pretrained.js';
import { SafetensorsBuffer } from '../checkpoint/safetensors.js';
import { openTorchBin } from '../checkpoint/torch-bin.js';
import { bufferAccess } from '../checkpoint/zip.js';
import { weightDTypeOf, type WeightDType } from '../checkpoint/tensor-bytes.js';
import { registerCpuAttention } from '../kernels/attention-cpu.js';
import { estimateMemory, type MemoryEstimate, type MemoryOptions } from '../memory.js';
import type { TrainingMode } from './dropout.js';
import { mptForward, type ForwardOptions, type ParameterRecord } from './forward.js';
import { initParameters } from './init.js';
import { KVCache } from './kv-cache.js';
import { causalLMLoss } from './loss.js';
import { parameterSpecs } from './parameters.js';

/** Token ids as nested arrays [B][T] or an int32 tensor [B, T]. */
export type InputIds = readonly (readonly number[])[] | Tensor;

/**
 * Options of {@link MPTForCausalLM.loss}.
 *
 * @example
 * ```ts
 * const loss = model.loss(ids, { labels, training: { generator: new Generator(1) } });
 * ```
 */
export interface LossOptions {
  /** Parameters to use instead of the model's own (what `valueAndGrad` passes in). */
  readonly params?: ParameterRecord;
  /** Labels [B][T] (-100 = ignored); default the input ids. Rolled left by one internally. */
  readonly labels?: readonly (readonly number[])[];
  readonly attentionMask?: readonly (readonly number[])[];
  readonly training?: TrainingMode;
}

function toRows(ids: InputIds): number[][] {
  if (!(ids instanceof Array)) {
    const t = ids as Tensor;
    if (t.rank !== 2) throw new InvalidArgumentError('forward', `input ids must be [B, T], got [${t.shape.join(', ')}]`);
    const data = t.dataSync();
    return Array.from({ length: t.shape[0]! }, (_, b) => Array.from(data.subarray(b * t.shape[1]!, (b + 1) * t.shape[1]!)));
  }
  return ids.map((row) => [...row]);
}

function toTensor(ids: InputIds): Tensor {
  if (!(ids instanceof Array)) {
    const t = ids as Tensor;
    return t.dtype === 'int32' ? t : t.cast('int32');
  }
  const T = ids[0]?.length ?? 0;
  if (ids.length === 0 || T === 0 || ids.some((row) => row.length !== T)) {
    throw new InvalidArgumentError('forward', 'input ids must be a non-empty rectangular [B][T] array', 'left-pad rows and pass an attentionMask');
  }
  return tensor(ids as number[][], [ids.length, T], 'int32');
}

/**
 * An MPT causal language model.
 *
 * @example
 * ```ts
 * const model = await MPTForCausalLM.fromPretrained('./mpt-tiny');
 * const { logits } = model.forward([[1, 2, 3]]);          // [1, 3, V]
 * const [ids] = await model.generate([[1, 2, 3]], { maxNewTokens: 8 });
 * await model.savePretrained('./copy');
 * ```
 */
export class MPTForCausalLM {
  readonly dims: MPTDimensions;
  readonly #params: Map<string, Tensor>;
  readonly #fileDTypes: Map<string, WeightDType>;

  /** Wrap a config and its parameters (owned by the model from now on). */
  constructor(readonly config: MPTConfig, params: ReadonlyMap<string, Tensor>, fileDTypes: ReadonlyMap<string, WeightDType> = new Map()) {
    registerCpuAttention();
    this.dims = dimensions(config);
    const specs = parameterSpecs(config);
    const misshaped = specs.filter((s) => params.has(s.name) && params.get(s.name)!.shape.join() !== s.shape.join());
    const missing = specs.filter((s) => !params.has(s.name));
    const expected = new Set(specs.map((s) => s.name));
    const unexpected = [...params.keys()].filter((n) => !expected.has(n));
    if (missing.length || misshaped.length || unexpected.length) {
      throw new CheckpointMismatchError(missing.map((s) => ({ name: s.name, expected: s.shape })), unexpected.map((n) => ({ name: n, found: params.get(n)!.shape })),
        misshaped.map((s) => ({ name: s.name, expected: s.shape, found: params.get(s.name)!.shape })));
    }
    this.#params = new Map(specs.map((s) => [s.name, keep(params.get(s.name)!)]));
    this.#fileDTypes = new Map(fileDTypes);
  }

  /**
   * A freshly initialised model (MPT's init_config recipe), reproducible from `seed`.
   *
   * @example
   * ```ts
   * const model = MPTForCausalLM.init(createConfig({ dModel: 64, nHeads: 4, nLayers: 2, vocabSize: 128, maxSeqLen: 64 }), { seed: 1 });
   * ```
   */
  static init(config: MPTConfig, options: { seed?: number; dtype?: 'float32' | 'float16' | 'bfloat16' } = {}): MPTForCausalLM {
    const values = initParameters(config, options.seed ?? 0);
    const params = new Map([...values].map(([name, v]) => [name, tensor(v, parameterSpecs(config).find((s) => s.name === name)!.shape, options.dtype ?? 'float32')]));
    return new MPTForCausalLM(config, params);
  }

  /**
   * Load a Hugging Face checkpoint folder (config.json + safetensors, single or sharded).
   *
   * @example
   * ```ts
   * const model = await MPTForCausalLM.fromPretrained('./mpt-7b', { dtype: 'bfloat16' });
   * ```
   */
  static async fromPretrained(dir: string, options: LoadOptions = {}): Promise<MPTForCausalLM> {
    const { loadPretrained } = await import('../checkpoint/pretrained.js');
    const { config, params, fileDTypes } = await loadPretrained(dir, options);
    return new MPTForCausalLM(config, params, fileDTypes);
  }

  /**
   * Load from a parsed config.json and in-memory weight files (browser: `fetch` results):
   * safetensors files, or zip-format pytorch_model.bin files (recognised by their "PK" magic).
   *
   * @example
   * ```ts
   * const model = await MPTForCausalLM.fromBuffers(await (await fetch('config.json')).json(), [await (await fetch('model.safetensors')).arrayBuffer()]);
   * ```
   */
  static async fromBuffers(configJson: unknown, files: readonly (ArrayBuffer | Uint8Array)[], options: { dtype?: LoadDType } = {}): Promise<MPTForCausalLM> {
    const config = configFromHF(configJson);
    const sources = await Promise.all(files.map((f, i) => {
      const bytes = f instanceof Uint8Array ? f : new Uint8Array(f);
      const zip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
      return zip ? openTorchBin(bufferAccess(bytes), `file ${i}`) : new SafetensorsBuffer(bytes, `file ${i}`);
    }));
    const located = locateTensors(sources);
    const specs = parameterSpecs(config);
    matchParameters(specs, located, config.tieWordEmbeddings);
    const { params, fileDTypes } = await readParameters(specs, located, options.dtype ?? 'float32');
    return new MPTForCausalLM(config, params, fileDTypes);
  }

  /**
   * Write config.json and the weights (in the dtypes they were loaded from unless `dtype`).
   *
   * @example
   * ```ts
   * await model.savePretrained('./out');
   * ```
   */
  async savePretrained(dir: string, options: SaveOptions = {}): Promise<void> {
    const { savePretrainedFiles } = await import('../checkpoint/pretrained.js');
    await savePretrainedFiles(dir, this.config, this.#params, this.#fileDTypes, options);
  }

  /** The parameters by Hugging Face name (the model's own tensors, not copies). */
  parameters(): Record<string, Tensor> {
    return Object.fromEntries(this.#params);
  }

  /** Parameter names in module order. */
  parameterNames(): string[] {
    return [...this.#params.keys()];
  }

  /**
   * Replace parameters (e.g. after an optimizer step). The old tensors are disposed unless
   * `dispose` is false. Shapes must match.
   *
   * @example
   * ```ts
   * model.setParameters({ 'transformer.wte.weight': newWte });
   * ```
   */
  setParameters(updates: Readonly<Record<string, Tensor>>, options: { dispose?: boolean } = {}): void {
    for (const [name, t] of Object.entries(updates)) {
      const old = this.#params.get(name);
      if (!old) throw new CheckpointMismatchError([], [{ name, found: t.shape }], []);
      if (old.shape.join() !== t.shape.join()) throw new CheckpointMismatchError([], [], [{ name, expected: old.shape, found: t.shape }]);
      this.#params.set(name, keep(t));
      if (options.dispose !== false && old !== t) old.dispose();
    }
  }

  /** @internal Logits for a prepared int32 tensor (generation uses this). */
  forwardLogits(ids: Tensor, options: ForwardOptions & { params?: ParameterRecord }): Tensor {
    return mptForward(this.config, options.params ?? this.parameters(), ids, options);
  }

  /**
   * Logits [B, T, V] for token ids (a KV cache makes them the next positions).
   *
   * @example
   * ```ts
   * const { logits } = model.forward([[5, 6, 7]], { attentionMask: [[1, 1, 1]] });
   * ```
   */
  forward(inputIds: InputIds, options: ForwardOptions & { params?: ParameterRecord } = {}): { logits: Tensor } {
    return { logits: scope(() => this.forwardLogits(toTensor(inputIds), options)) };
  }

  /**
   * The mean next-token cross entropy of `inputIds` (labels default to the ids).
   *
   * @example
   * ```ts
   * const loss = await model.loss([[1, 2, 3, 4]]).item();
   * ```
   */
  loss(inputIds: InputIds, options: LossOptions = {}): Tensor {
    return scope(() => {
      const logits = this.forwardLogits(toTensor(inputIds), options);
      return causalLMLoss(logits, options.labels ?? toRows(inputIds), options.attentionMask);
    });
  }

  /**
   * The loss as a function of positional parameter tensors, for `valueAndGrad`.
   *
   * @example
   * ```ts
   * const { names, params, fn } = model.lossFunction(ids);
   * const { value, grads } = valueAndGrad(fn)(...params); // grads[i] belongs to names[i]
   * ```
   */
  lossFunction(inputIds: InputIds, options: Omit<LossOptions, 'params'> = {}): { names: string[]; params: Tensor[]; fn: (...params: Tensor[]) => Tensor } {
    const names = this.parameterNames();
    const rows = options.labels ?? toRows(inputIds);
    const fn = (...params: Tensor[]): Tensor => this.loss(inputIds, { ...options, labels: rows, params: Object.fromEntries(names.map((n, i) => [n, params[i]!])) });
    return { names, params: names.map((n) => this.#params.get(n)!), fn };
  }

  /**
   * The loss and its gradient with respect to every parameter, by name.
   *
   * @example
   * ```ts
   * const { loss, grads } = model.valueAndGrad([[1, 2, 3, 4]]);
   * console.log(await loss.item(), grads['transformer.wte.weight']!.shape);
   * ```
   */
  valueAndGrad(inputIds: InputIds, options: Omit<LossOptions, 'params'> = {}): { loss: Tensor; grads: Record<string, Tensor> } {
    const { names, params, fn } = this.lossFunction(inputIds, options);
    const { value, grads } = valueAndGrad(fn)(...params);
    return { loss: value, grads: Object.fromEntries(names.map((n, i) => [n, grads[i]!])) };
  }

  /** An empty KV cache for this model. */
  createCache(): KVCache {
    return new KVCache(this.config.nLayers);
  }

  /**
   * New token ids for each prompt (prompts may differ in length).
   *
   * @example
   * ```ts
   * const [a, b] = await model.generate([[1, 2, 3], [4, 5]], { maxNewTokens: 16, temperature: 0.7, seed: 1 });
   * ```
   */
  generate(promptIds: readonly (readonly number[])[], options: GenerateOptions = {}): Promise<number[][]> {
    return generateTokens(this, promptIds, options);
  }

  /**
   * Generation as an async iterator of steps (one token per unfinished row each).
   *
   * @example
   * ```ts
   * for await (const { tokens } of model.stream([[1, 2, 3]], { maxNewTokens: 16, signal })) console.log(tokens[0]);
   * ```
   */
  stream(promptIds: readonly (readonly number[])[], options: GenerateOptions = {}): AsyncGenerator<GenerationStep> {
    return streamTokens(this, promptIds, options);
  }

  /** Parameter and KV-cache bytes of this model (parameters in their current dtypes). */
  estimateMemory(options: MemoryOptions = {}): MemoryEstimate {
    const dtype = this.#params.get('transformer.wte.weight')!.dtype;
    return estimateMemory(this.config, { dtype: dtype === 'float16' || dtype === 'bfloat16' ? dtype : 'float32', ...options });
  }

  /** The checkpoint dtype each parameter is saved in by default. */
  savedDType(name: string): WeightDType {
    return this.#fileDTypes.get(name) ?? weightDTypeOf(this.#params.get(name)?.dtype ?? 'float32');
  }

  /** Release every parameter. */
  dispose(): void {
    for (const t of this.#params.values()) t.dispose();
    this.#params.clear();
  }
}
