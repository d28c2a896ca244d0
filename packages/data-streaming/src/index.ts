/**
 * `@tessera/data-streaming`: MosaicML Streaming (MDS) compatible shard writer and reader, and
 * a streaming dataset with a local cache, remote downloads (local paths, http(s), S3) and a
 * pluggable sample order.
 *
 * @example
 * ```ts
 * import { MDSWriter, StreamingDataset } from '@tessera/data-streaming';
 * const w = new MDSWriter({ out: 'data', columns: { text: 'str' } });
 * await w.write({ text: 'hello' });
 * await w.finish();
 * const ds = await StreamingDataset.create({ local: 'data' });
 * console.log(await ds.get(0)); // { text: 'hello' }
 * ```
 */
export {
  StreamingError, UnsupportedEncodingError, EncodingError, MDSFormatError, ShardIntegrityError,
  DownloadError, CacheLimitError, InvalidArgumentError,
} from './errors.js';
export {
  PyFloat, pythonJsonDumps, pythonJsonParse, pythonFloatRepr, pythonJsonString, compareCodePoints,
  type PyJsonValue, type PythonJsonDumpsOptions, type PythonJsonParseOptions,
} from './python-json.js';
export { parsePythonFloat, parsePythonInt, pythonDecimalString } from './python-numbers.js';
export { halfBitsToNumber, numberToHalfBits } from './float16.js';
export {
  NDArrayEncoding, NDARRAY_DTYPES, typedArrayFromBytes,
  type NDArray, type NDArrayDType, type NDArrayData, type TypedArray,
} from './ndarray.js';
export {
  getEncoding, assertDecodable, UNSUPPORTED_ENCODINGS,
  type ColumnEncoding, type ColumnValue, type Sample, type DecodeOptions,
} from './encodings.js';
export {
  parseIndex, serializeIndex, shardConfigJson, type DatasetIndex, type ShardInfo, type FileInfo,
} from './index-file.js';
export {
  columnLayout, layoutOfShard, encodeSample, decodeSample, buildShard, ShardReader, type ColumnLayout,
} from './shard.js';
export { HASH_ALGORITHMS, hashBytes } from './hashing.js';
export { compressBytes, decompressBytes, parseCompression, type Compression } from './compression.js';
export { parseSize } from './size.js';
export { writeFileAtomic } from './atomic-file.js';
export { MDSWriter, DEFAULT_SIZE_LIMIT, type MDSWriterOptions } from './writer.js';
export { fetchToFile, joinRemote, defaultRetryDelay, type FetchOptions, type S3Options } from './remote.js';
export type { StreamOptions } from './stream.js';
export {
  dataLoaderOrder,
  type SampleOrder, type SampleOrderFactory, type SampleOrderInput, type EpochPartition, type StreamShape, type World,
} from './sample-order.js';
export { sequentialSampleOrder, resolveStreamChoose } from './sequential-order.js';
export { mosaicSampleOrder } from './order/index.js';
export {
  StreamingDataset, normalizeState, toPythonState, type EpochCursor,
  type StreamingDatasetOptions, type StreamingState, type IterateOptions, type SampleLocation, type SampleMapper, type SampleRun,
} from './dataset.js';
export { convertTextToMDS, readJsonlTexts, type ConvertOptions, type ConvertResult } from './convert.js';
export {
  BatchPool, TokenBatcher, DIRECT_READ_MIN_BYTES, batchTokens, epochBatches, sampleTokens, tokenBatchMapper,
  type RunCursor, type TokenBatch, type TokenBatcherOptions, type TokenColumnOptions, type TokenRun,
} from './token-batch.js';
export { TokenBatchLoader, type TokenBatchLoaderOptions } from './batch-loader.js';
