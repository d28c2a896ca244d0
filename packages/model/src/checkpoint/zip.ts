/**
 * A read-only ZIP directory reader for PyTorch checkpoints (the zip format of torch.save >= 1.6):
 * end of central directory, ZIP64 records (multi-GB shards need them), central directory entries,
 * local headers. Only the directory is parsed; entry data is read on demand through a
 * {@link RandomAccess}. Every size and offset is checked against the file before use.
 */
import { CheckpointFormatError } from '../errors.js';

/**
 * Random reads from a file or buffer.
 *
 * @example
 * ```ts
 * const access = bufferAccess(new Uint8Array(await blob.arrayBuffer()));
 * const first4 = await access.read(0, 4);
 * ```
 */
export interface RandomAccess {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Random access over bytes in memory. */
export function bufferAccess(bytes: Uint8Array): RandomAccess {
  return {
    size: bytes.byteLength,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/**
 * One stored file of the archive.
 *
 * @example
 * ```ts
 * const entry = directory.get('archive/data.pkl')!;
 * const bytes = await readEntry(access, entry, 'pytorch_model.bin');
 * ```
 */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored (the only method PyTorch uses and this reader accepts for data). */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

/** Largest central directory accepted (PyTorch archives hold a few thousand small records). */
const MAX_DIRECTORY_BYTES = 256 * 2 ** 20;

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
function u64(file: string, b: Uint8Array, at: number): number {
  const value = u32(b, at) + u32(b, at + 4) * 2 ** 32;
  if (!Number.isSafeInteger(value)) throw new CheckpointFormatError(file, 'a ZIP64 size or offset is larger than 2^53');
  return value;
}

async function readChecked(access: RandomAccess, file: string, offset: number, length: number, what: string): Promise<Uint8Array> {
  if (!(offset >= 0 && length >= 0 && offset + length <= access.size)) {
    throw new CheckpointFormatError(file, `${what} at byte ${offset} (+${length}) lies outside the ${access.size}-byte file`);
  }
  const bytes = await access.read(offset, length);
  if (bytes.byteLength !== length) throw new CheckpointFormatError(file, `short read of ${what}`);
  return bytes;
}

/**
 * Parse the central directory of a ZIP (or ZIP64) archive.
 *
 * @example
 * ```ts
 * const directory = await readZipDirectory(access, 'pytorch_model.bin');
 * console.log([...directory.keys()]); // ['archive/data.pkl', 'archive/data/0', ...]
 * ```
 */
export async function readZipDirectory(access: RandomAccess, file: string): Promise<Map<string, ZipEntry>> {
  const tailLength = Math.min(access.size, 22 + 65535);
  if (tailLength < 22) throw new CheckpointFormatError(file, 'too short to be a ZIP archive');
  const tail = await readChecked(access, file, access.size - tailLength, tailLength, 'the end of the archive');
  let eocd = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (u32(tail, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new CheckpointFormatError(file, 'no ZIP end-of-central-directory record (not a zip-format PyTorch checkpoint?)');
  let count = u16(tail, eocd + 10);
  let directorySize = u32(tail, eocd + 12);
  let directoryOffset = u32(tail, eocd + 16);
  const eocdAbsolute = access.size - tailLength + eocd;
  if (eocdAbsolute >= 20) {
    const locator = await readChecked(access, file, eocdAbsolute - 20, 20, 'the ZIP64 locator');
    if (u32(locator, 0) === 0x07064b50) {
      const recordOffset = u64(file, locator, 8);
      const record = await readChecked(access, file, recordOffset, 56, 'the ZIP64 end record');
      if (u32(record, 0) !== 0x06064b50) throw new CheckpointFormatError(file, 'bad ZIP64 end-of-central-directory signature');
      count = u64(file, record, 32);
      directorySize = u64(file, record, 40);
      directoryOffset = u64(file, record, 48);
    }
  }
  if (directorySize > MAX_DIRECTORY_BYTES || count > directorySize / 46) {
    throw new CheckpointFormatError(file, `central directory of ${directorySize} bytes with ${count} entries is implausible`);
  }
  const directory = await readChecked(access, file, directoryOffset, directorySize, 'the central directory');
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > directory.byteLength || u32(directory, at) !== 0x02014b50) throw new CheckpointFormatError(file, `central directory entry ${n} is malformed`);
    const nameLength = u16(directory, at + 28);
    const extraLength = u16(directory, at + 30);
    const commentLength = u16(directory, at + 32);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > directory.byteLength) throw new CheckpointFormatError(file, `central directory entry ${n} runs past the directory`);
    const name = new TextDecoder().decode(directory.subarray(at + 46, at + 46 + nameLength));
    let compressedSize = u32(directory, at + 20);
    let size = u32(directory, at + 24);
    let localHeaderOffset = u32(directory, at + 42);
    // ZIP64 extended information: the 64-bit values of the fields that are 0xFFFFFFFF, in order.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength;) {
      const id = u16(directory, e);
      const length = u16(directory, e + 2);
      if (id === 0x0001) {
        let field = e + 4;
        const next = (): number => {
          if (field + 8 > e + 4 + length) throw new CheckpointFormatError(file, `ZIP64 field of '${name}' is too short`);
          const v = u64(file, directory, field);
          field += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      e += 4 + length;
    }
    entries.set(name, { name, method: u16(directory, at + 10), compressedSize, size, localHeaderOffset });
    at = end;
  }
  return entries;
}

/**
 * Where an entry's stored bytes start (after its local header), checked to lie in the file.
 *
 * @example
 * ```ts
 * const start = await entryDataOffset(access, entry, file);
 * ```
 */
export async function entryDataOffset(access: RandomAccess, entry: ZipEntry, file: string): Promise<number> {
  const header = await readChecked(access, file, entry.localHeaderOffset, 30, `the local header of '${entry.name}'`);
  if (u32(header, 0) !== 0x04034b50) throw new CheckpointFormatError(file, `bad local header signature for '${entry.name}'`);
  const start = entry.localHeaderOffset + 30 + u16(header, 26) + u16(header, 28);
  if (entry.method !== 0) throw new CheckpointFormatError(file, `entry '${entry.name}' is compressed (method ${entry.method}); PyTorch stores entries uncompressed`);
  if (entry.compressedSize !== entry.size || start + entry.size > access.size) {
    throw new CheckpointFormatError(file, `entry '${entry.name}' (${entry.size} bytes at ${start}) does not fit the file`);
  }
  return start;
}

/** The whole (stored) entry. */
export async function readEntry(access: RandomAccess, entry: ZipEntry, file: string): Promise<Uint8Array> {
  return readChecked(access, file, await entryDataOffset(access, entry, file), entry.size, `entry '${entry.name}'`);
}
