/**
 * @tessera/model: MPT (MosaicML Pretrained Transformer) in TypeScript. Hugging Face configs and
 * safetensors checkpoints, ALiBi attention as one fused kernel, training loss and gradients,
 * KV-cache generation. Works on token ids; pair it with a tokenizer in your app.
 *
 * @example
 * ```ts
 * import { MPTForCausalLM } from '@tessera/model';
 * const model = await MPTForCausalLM.fromPretrained('./mpt-tiny');
 * const [ids] = await model.generate([[1, 2, 3]], { maxNewTokens: 8 });
 * ```
 */
export { MPTForCausalLM, type InputIds, type LossOptions } from './model/mpt-for-causal-lm.js';
export {
  createConfig, validateConfig, dimensions, DEFAULT_CONFIG, DEFAULT_ATTENTION, DEFAULT_INIT,
  type MPTConfig, type MPTConfigInput, type MPTAttentionConfig, type MPTInitConfig, type MPTDimensions, type AttentionType, type NormType, type InitName,
} from './config/mpt-config.js';
export { configFromHF, configToHF } from './config/hf-config.js';
export { MPTConfigError, CheckpointFormatError, CheckpointMismatchError, InsufficientMemoryError, formatBytes, type TensorMismatch } from './errors.js';
export { mptForward, type ForwardOptions, type ParameterRecord } from './model/forward.js';
export { causalLMLoss, nextTokenTargets, IGNORE_INDEX } from './model/loss.js';
export { parameterSpecs, parameterCount, type ParameterSpec, type ParameterKind } from './model/parameters.js';
export { initParameters } from './model/init.js';
export { dropout, type TrainingMode } from './model/dropout.js';
export { KVCache } from './model/kv-cache.js';
export { Attention, AttentionBackward, attention, attentionProbs, MASKED_SCORE, type AttentionAttrs } from './kernels/attention.js';
export { registerCpuAttention, cpuAttentionKernels } from './kernels/attention-cpu.js';
export { alibiSlopes } from './kernels/alibi.js';
export {
  parseSafetensorsHeader, safetensorsHeaderLength, serializeSafetensors, safetensorsHeaderBytes, safetensorsOrder, SafetensorsBuffer, MAX_HEADER_BYTES,
  type SafetensorsEntry, type SafetensorsHeader, type TensorRecord, type TensorSource,
} from './checkpoint/safetensors.js';
export { decodeFloats, encodeFloats, weightDTypeOf, tensorDTypeOf, SAFETENSORS_DTYPES, type SafetensorsDType, type WeightDType } from './checkpoint/tensor-bytes.js';
export { locateTensors, matchParameters, readParameter, readParameters, type LoadDType, type LocatedTensor } from './checkpoint/load.js';
export type { LoadOptions, SaveOptions } from './checkpoint/pretrained.js';
export { openTorchBin } from './checkpoint/torch-bin.js';
export { unpickle, PickleGlobal, PickleTuple, StorageRef, TensorRef, type PickleValue } from './checkpoint/pickle.js';
export { readZipDirectory, readEntry, entryDataOffset, bufferAccess, type RandomAccess, type ZipEntry } from './checkpoint/zip.js';
export { generateTokens, streamTokens, type GenerateOptions, type GenerationStep, type Decoder } from './generation/generate.js';
export { chooseToken, applyRepetitionPenalty, topKFilter, topPFilter, argmax, softmax, type SamplingSettings } from './generation/sampling.js';
export { estimateMemory, assertFits, type MemoryEstimate, type MemoryOptions, type MemoryDType } from './memory.js';
