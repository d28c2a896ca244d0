/**
 * Memory estimates: parameter bytes and KV-cache bytes for a config, shown before loading, and a
 * clear error when they will not fit. The cache holds 2 L G hd values per token (keys and values
 * of the key/value heads only): 512 KiB per token for MPT-7B in 16 bits.
 */
import type { MPTConfig } from './config/mpt-config.js';
import { dimensions } from './config/mpt-config.js';
import { formatBytes, InsufficientMemoryError } from './errors.js';
import { parameterCount } from './model/parameters.js';

/** Storage dtypes the estimate understands. */
export type MemoryDType = 'float32' | 'float16' | 'bfloat16';

const BYTES: Record<MemoryDType, number> = { float32: 4, float16: 2, bfloat16: 2 };

/**
 * Options of {@link estimateMemory}.
 *
 * @example
 * ```ts
 * const options: MemoryOptions = { dtype: 'bfloat16', batchSize: 1, sequenceLength: 65536 };
 * ```
 */
export interface MemoryOptions {
  /** Parameter storage dtype (default float32). */
  readonly dtype?: MemoryDType;
  /** KV-cache dtype (default float32: the cache holds what the kernels compute). */
  readonly cacheDType?: MemoryDType;
  readonly batchSize?: number;
  /** Cached positions (default max_seq_len). */
  readonly sequenceLength?: number;
}

/**
 * An estimate in bytes.
 *
 * @example
 * ```ts
 * const { parameterBytes, kvCacheBytes, totalBytes } = estimateMemory(config);
 * ```
 */
export interface MemoryEstimate {
  readonly parameterCount: number;
  readonly parameterBytes: number;
  readonly kvCacheBytesPerToken: number;
  readonly kvCacheBytes: number;
  readonly totalBytes: number;
  /** One line for logs: "6.65B parameters: 12.4 GiB (bfloat16) + KV cache 1.0 GiB (...)". */
  readonly summary: string;
}

/**
 * Parameter and KV-cache bytes of a config.
 *
 * @example
 * ```ts
 * const estimate = estimateMemory(config, { dtype: 'bfloat16', cacheDType: 'bfloat16', sequenceLength: 2048 });
 * console.log(estimate.summary);
 * ```
 */
export function estimateMemory(config: MPTConfig, options: MemoryOptions = {}): MemoryEstimate {
  const dtype = options.dtype ?? 'float32';
  const cacheDType = options.cacheDType ?? 'float32';
  const batchSize = options.batchSize ?? 1;
  const sequenceLength = options.sequenceLength ?? config.maxSeqLen;
  const { kvHeads, headDim } = dimensions(config);
  const count = parameterCount(config);
  const parameterBytes = count * BYTES[dtype];
  const kvCacheBytesPerToken = 2 * config.nLayers * kvHeads * headDim * BYTES[cacheDType];
  const kvCacheBytes = kvCacheBytesPerToken * sequenceLength * batchSize;
  const millions = count >= 1e9 ? `${(count / 1e9).toFixed(2)}B` : `${(count / 1e6).toFixed(2)}M`;
  return {
    parameterCount: count,
    parameterBytes,
    kvCacheBytesPerToken,
    kvCacheBytes,
    totalBytes: parameterBytes + kvCacheBytes,
    summary: `${millions} parameters: ${formatBytes(parameterBytes)} (${dtype}) + KV cache ${formatBytes(kvCacheBytes)} ` +
      `(${batchSize} x ${sequenceLength} tokens, ${cacheDType})`,
  };
}

/**
 * Throw {@link InsufficientMemoryError} when an estimate exceeds the available bytes.
 *
 * @example
 * ```ts
 * assertFits(estimateMemory(config, { dtype: 'bfloat16' }), 16 * 2 ** 30);
 * ```
 */
export function assertFits(estimate: MemoryEstimate, availableBytes: number): void {
  if (estimate.totalBytes > availableBytes) throw new InsufficientMemoryError(estimate.totalBytes, availableBytes, estimate.summary);
}
