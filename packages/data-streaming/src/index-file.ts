/**
 * `index.json` (spec §1.2): parsed into camelCase {@link ShardInfo}s and written back byte for
 * byte as Python's `json.dumps(obj, sort_keys=True)`. This is the one place where upstream's
 * snake_case keys are translated.
 *
 * @example
 * ```ts
 * const index = parseIndex(await readFile('data/index.json', 'utf8'), 'data/index.json');
 * index.shards[0]!.rawData.basename; // 'shard.00000.mds'
 * serializeIndex(index);             // the same text again
 * ```
 */
import { MDSFormatError } from './errors.js';
import { pythonJsonDumps, pythonJsonParse } from './python-json.js';

/** A file of a shard: name, size and hex digests (`raw_data` / `zip_data`). */
export interface FileInfo {
  basename: string;
  bytes: number;
  hashes: Record<string, string>;
}

/** One shard entry of `index.json`. */
export interface ShardInfo {
  format: 'mds';
  version: 2;
  columnEncodings: string[];
  columnNames: string[];
  columnSizes: (number | null)[];
  compression: string | null;
  hashes: string[];
  sizeLimit: number | null;
  samples: number;
  rawData: FileInfo;
  zipData: FileInfo | null;
}

/** A parsed `index.json`. */
export interface DatasetIndex {
  shards: ShardInfo[];
}

/**
 * The shard's configuration as embedded in its header (the index entry without
 * `raw_data`/`zip_data`/`samples`), as Python JSON with sorted keys.
 *
 * @example
 * ```ts
 * shardConfigJson(info); // '{"column_encodings": [...], ..., "version": 2}'
 * ```
 */
export function shardConfigJson(info: Omit<ShardInfo, 'rawData' | 'zipData' | 'samples'>): string {
  return pythonJsonDumps(
    {
      column_encodings: info.columnEncodings,
      column_names: info.columnNames,
      column_sizes: info.columnSizes,
      compression: info.compression,
      format: info.format,
      hashes: info.hashes,
      size_limit: info.sizeLimit,
      version: info.version,
    },
    { sortKeys: true },
  );
}

function fileInfoToPython(f: FileInfo | null): unknown {
  return f === null ? null : { basename: f.basename, bytes: f.bytes, hashes: f.hashes };
}

/**
 * `index.json` text exactly as mosaicml-streaming's writer produces it.
 *
 * @example
 * ```ts
 * serializeIndex({ shards: [] }); // '{"shards": [], "version": 2}'
 * ```
 */
export function serializeIndex(index: DatasetIndex): string {
  return pythonJsonDumps(
    {
      shards: index.shards.map((s) => ({
        column_encodings: s.columnEncodings,
        column_names: s.columnNames,
        column_sizes: s.columnSizes,
        compression: s.compression,
        format: s.format,
        hashes: s.hashes,
        raw_data: fileInfoToPython(s.rawData),
        samples: s.samples,
        size_limit: s.sizeLimit,
        version: s.version,
        zip_data: fileInfoToPython(s.zipData),
      })),
      version: 2,
    },
    { sortKeys: true },
  );
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isSafeBasename(name: string): boolean {
  // Merged indexes prefix a sub-directory; never allow escaping the dataset directory.
  return name.length > 0 && !name.startsWith('/') && !name.split(/[\\/]/).some((p) => p === '..' || p === '');
}

function parseFileInfo(v: unknown, file: string, where: string): FileInfo {
  if (!isObject(v) || typeof v.basename !== 'string' || !isCount(v.bytes) || !isObject(v.hashes)) {
    throw new MDSFormatError(file, `${where} must be {basename, bytes, hashes}`);
  }
  if (!isSafeBasename(v.basename)) throw new MDSFormatError(file, `${where}.basename '${v.basename}' is not a relative path inside the dataset`);
  const hashes: Record<string, string> = {};
  for (const [k, h] of Object.entries(v.hashes)) {
    if (typeof h !== 'string') throw new MDSFormatError(file, `${where}.hashes.${k} must be a hex string`);
    hashes[k] = h;
  }
  return { basename: v.basename, bytes: v.bytes, hashes };
}

/**
 * Parses and validates `index.json` text. Rejects `version != 2`, non-MDS formats (JSON/XSV
 * split formats are not supported yet) and malformed entries, naming the file.
 *
 * @example
 * ```ts
 * parseIndex('{"shards": [], "version": 2}', 'index.json'); // { shards: [] }
 * ```
 */
export function parseIndex(text: string, file: string): DatasetIndex {
  let raw: unknown;
  try {
    raw = pythonJsonParse(text);
  } catch (cause) {
    throw new MDSFormatError(file, `not valid JSON (${(cause as Error).message})`, 'the download may have been cut short; delete it to fetch again');
  }
  if (!isObject(raw)) throw new MDSFormatError(file, 'top level must be an object');
  if (raw.version !== 2) throw new MDSFormatError(file, `unsupported index version ${String(raw.version)} (expected 2)`);
  if (!Array.isArray(raw.shards)) throw new MDSFormatError(file, '"shards" must be a list');
  const shards = raw.shards.map((s: unknown, i): ShardInfo => {
    const where = `shards[${i}]`;
    if (!isObject(s)) throw new MDSFormatError(file, `${where} must be an object`);
    if (s.format !== 'mds') {
      throw new MDSFormatError(file, `${where}: format '${String(s.format)}' is not supported (only 'mds')`,
        'convert the dataset to MDS with mosaicml-streaming or MDSWriter');
    }
    if (s.version !== 2) throw new MDSFormatError(file, `${where}: unsupported shard version ${String(s.version)}`);
    const names = s.column_names;
    const encodings = s.column_encodings;
    const sizes = s.column_sizes;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new MDSFormatError(file, `${where}.column_names must be strings`);
    if (!Array.isArray(encodings) || encodings.length !== names.length || !encodings.every((n) => typeof n === 'string')) {
      throw new MDSFormatError(file, `${where}.column_encodings must be one string per column`);
    }
    if (!Array.isArray(sizes) || sizes.length !== names.length || !sizes.every((n) => n === null || isCount(n))) {
      throw new MDSFormatError(file, `${where}.column_sizes must be one size or null per column`);
    }
    if (s.compression !== null && typeof s.compression !== 'string') throw new MDSFormatError(file, `${where}.compression must be a string or null`);
    if (!Array.isArray(s.hashes) || !s.hashes.every((h) => typeof h === 'string')) throw new MDSFormatError(file, `${where}.hashes must be strings`);
    if (!isCount(s.samples)) throw new MDSFormatError(file, `${where}.samples must be a non-negative integer`);
    if (s.size_limit !== null && !isCount(s.size_limit)) throw new MDSFormatError(file, `${where}.size_limit must be an integer or null`);
    const rawData = parseFileInfo(s.raw_data, file, `${where}.raw_data`);
    const zipData = s.zip_data === null || s.zip_data === undefined ? null : parseFileInfo(s.zip_data, file, `${where}.zip_data`);
    if (s.compression !== null && zipData === null) throw new MDSFormatError(file, `${where}: compression '${s.compression}' but zip_data is null`);
    return {
      format: 'mds',
      version: 2,
      columnEncodings: encodings as string[],
      columnNames: names as string[],
      columnSizes: sizes as (number | null)[],
      compression: s.compression,
      hashes: s.hashes as string[],
      sizeLimit: s.size_limit,
      samples: s.samples,
      rawData,
      zipData,
    };
  });
  return { shards };
}
