/**
 * Options and plain types of {@link StreamingDataset}, and its resumption state (spec §3.3)
 * with upstream's snake_case form.
 *
 * @example
 * ```ts
 * const options: StreamingDatasetOptions = { remote: 's3://bucket/data', local: '/tmp/data', batchSize: 8 };
 * toPythonState({ epoch: 0, sampleInEpoch: 64, numCanonicalNodes: 1, shuffleSeed: 9176, initialPhysicalNodes: 1 });
 * ```
 */
import { InvalidArgumentError } from './errors.js';
import type { S3Options } from './remote.js';
import type { SampleOrderFactory } from './sample-order.js';
import type { ColumnLayout } from './shard.js';
import type { StreamOptions } from './stream.js';

/** Options of {@link StreamingDataset} (camelCase of upstream's arguments, plus ours). */
export interface StreamingDatasetOptions {
  /** Several streams; otherwise `remote`/`local`/`split` describe the only one. */
  streams?: readonly StreamOptions[];
  remote?: string;
  local?: string;
  split?: string;
  /** Download attempts in total per file. Default 2. */
  downloadRetry?: number;
  /** Seconds per download attempt. Default 60. */
  downloadTimeout?: number;
  /** Hash to verify on fetch/decompression (and once for shards read in place). */
  validateHash?: string;
  /** Keep compressed files after decompression. Default false. */
  keepZip?: boolean;
  /** Samples per epoch over all streams (relative weights only). */
  epochSize?: number;
  /** Samples to download ahead of the read cursor. Default `8 * batchSize`, or 64. */
  predownload?: number;
  /** Byte limit of the local cache (`'10gb'`); least recently used shards are evicted. */
  cacheLimit?: number | string;
  /** Where decompressed copies of read-only local sources go. Default `{tmpdir}/tessera-streaming`. */
  cacheDir?: string;
  partitionAlgo?: string;
  numCanonicalNodes?: number;
  /** Per-device batch size. Default 1. */
  batchSize?: number;
  shuffle?: boolean;
  shuffleAlgo?: string;
  shuffleSeed?: number;
  shuffleBlockSize?: number;
  samplingMethod?: 'balanced' | 'fixed';
  samplingGranularity?: number;
  batchingMethod?: string;
  /** Global rank. Default `RANK` env or 0. */
  rank?: number;
  /** Default `WORLD_SIZE` env or 1. */
  worldSize?: number;
  /** Ranks per node. Default `LOCAL_WORLD_SIZE` env or 1. */
  localWorldSize?: number;
  /** Data loader workers per rank whose interleaving iteration reproduces. Default 1. */
  numWorkers?: number;
  /**
   * The sample order. Default: mosaicml-streaming's (`mosaicSampleOrder`: stream weights,
   * partitioning and shuffles, bit-exact). `sequentialSampleOrder` is a simple alternative.
   */
  sampleOrder?: SampleOrderFactory;
  /** Shards downloaded/decompressed at once. Default 4. */
  downloadConcurrency?: number;
  /** Milliseconds to wait after failed attempt `i`. Default `2^i s + U(0, 0.5 s)`. */
  retryDelay?: (attempt: number) => number;
  /** S3 endpoint/region/credentials for `s3://` remotes. */
  s3?: S3Options;
  /** Cancels every download and iteration of this dataset. */
  signal?: AbortSignal;
  /** Decode `json` columns losslessly (see `DecodeOptions`). */
  exactJson?: boolean;
  /** Return `pkl`/image columns as raw bytes instead of refusing the dataset. */
  rawUnsupported?: boolean;
}


/**
 * Resumption state (spec §3.3). `toPython`/`fromPython` keys are upstream's snake_case.
 */
export interface StreamingState {
  epoch: number;
  sampleInEpoch: number;
  numCanonicalNodes: number;
  shuffleSeed: number;
  initialPhysicalNodes: number;
}


/** Options of one iteration. */
export interface IterateOptions {
  signal?: AbortSignal;
  /** Yield only this data loader worker's samples (for worker threads). Default: all, interleaved. */
  worker?: number;
}

/**
 * Receives one sample's stored bytes (valid only during the call), its column layout and its
 * shard's name; see {@link StreamingDataset.iterateMapped}.
 */
export type SampleMapper<T> = (bytes: Uint8Array, layout: ColumnLayout, shard: string) => T;

/** Where a global sample lives. */
export interface SampleLocation {
  stream: number;
  /** Shard index within its stream. */
  shard: number;
  indexInShard: number;
  /** The shard's raw basename. */
  basename: string;
}


/**
 * Accepts our camelCase state or upstream's snake_case dict.
 *
 * @example
 * ```ts
 * normalizeState({ epoch: 1, sample_in_epoch: 64, num_canonical_nodes: 2, shuffle_seed: 9176, initial_physical_nodes: 1 });
 * ```
 */
export function normalizeState(state: StreamingState | Record<string, unknown>): StreamingState {
  const s = state as Record<string, unknown>;
  const pick = (camel: string, snake: string): number => {
    const v = s[camel] ?? s[snake];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new InvalidArgumentError('loadStateDict', `${camel} must be a non-negative integer, got ${String(v)}`);
    }
    return v;
  };
  return {
    epoch: pick('epoch', 'epoch'),
    sampleInEpoch: pick('sampleInEpoch', 'sample_in_epoch'),
    numCanonicalNodes: pick('numCanonicalNodes', 'num_canonical_nodes'),
    shuffleSeed: pick('shuffleSeed', 'shuffle_seed'),
    initialPhysicalNodes: pick('initialPhysicalNodes', 'initial_physical_nodes'),
  };
}

/**
 * A state dict with upstream's snake_case keys (what composer checkpoints store).
 *
 * @example
 * ```ts
 * toPythonState(ds.stateDict()); // { epoch, sample_in_epoch, num_canonical_nodes, shuffle_seed, initial_physical_nodes }
 * ```
 */
export function toPythonState(state: StreamingState): Record<string, number> {
  return {
    epoch: state.epoch,
    sample_in_epoch: state.sampleInEpoch,
    num_canonical_nodes: state.numCanonicalNodes,
    shuffle_seed: state.shuffleSeed,
    initial_physical_nodes: state.initialPhysicalNodes,
  };
}
