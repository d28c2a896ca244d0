/**
 * A test-only writer of zip-format PyTorch checkpoints, laid out as torch.save does (protocol-2
 * pickle in <root>/data.pkl, one stored entry per storage, 64-byte aligned payloads), optionally
 * with ZIP64 records. The loader is tested against it because no torch is installed here.
 */
export interface TorchTensor {
  name: string;
  storageType: 'FloatStorage' | 'HalfStorage' | 'BFloat16Storage' | 'DoubleStorage';
  /** Storage key; tensors sharing a key share one storage (its bytes come from the first). */
  key: string;
  storage: Uint8Array;
  storageNumel: number;
  offset: number;
  shape: number[];
  stride: number[];
}

const text = (s: string): number[] => Array.from(new TextEncoder().encode(s));
const le = (value: number, bytes: number): number[] => Array.from({ length: bytes }, (_, i) => Math.floor(value / 2 ** (8 * i)) & 0xff);

/** The pickle torch.save writes for an OrderedDict state dict (protocol 2). */
export function statePickle(tensors: readonly TorchTensor[], extra: number[] = []): Uint8Array {
  const out: number[] = [0x80, 0x02];
  const memo = new Map<string, number>();
  const put = (): void => {
    out.push(0x71, memo.size % 256);
  };
  const global = (module: string, name: string): void => {
    const key = `${module}.${name}`;
    const index = memo.get(key);
    if (index !== undefined) {
      out.push(0x68, index);
      return;
    }
    out.push(0x63, ...text(`${module}\n${name}\n`));
    memo.set(key, memo.size);
    out.push(0x71, memo.get(key)!);
  };
  const str = (s: string): void => {
    const bytes = text(s);
    out.push(0x58, ...le(bytes.length, 4), ...bytes);
  };
  const int = (v: number): void => {
    if (v < 256) out.push(0x4b, v);
    else out.push(0x4a, ...le(v, 4));
  };
  const tuple = (values: number[]): void => {
    out.push(0x28);
    values.forEach(int);
    out.push(0x74);
  };
  global('collections', 'OrderedDict');
  out.push(0x29, 0x52);
  put();
  out.push(0x28);
  for (const t of tensors) {
    str(t.name);
    global('torch._utils', '_rebuild_tensor_v2');
    out.push(0x28, 0x28);
    str('storage');
    global('torch', t.storageType);
    str(t.key);
    str('cpu');
    int(t.storageNumel);
    out.push(0x74, 0x51);
    int(t.offset);
    tuple(t.shape);
    tuple(t.stride);
    out.push(0x89);
    global('collections', 'OrderedDict');
    out.push(0x29, 0x52, 0x74, 0x52);
  }
  out.push(0x75);
  out.push(0x7d);
  str('_metadata');
  global('collections', 'OrderedDict');
  out.push(0x29, 0x52, 0x73, 0x62);
  out.push(...extra, 0x2e);
  return new Uint8Array(out);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A stored-entry zip of the given files, payloads aligned to 64 bytes; ZIP64 records when asked. */
export function zipStored(files: readonly [string, Uint8Array][], zip64 = false): Uint8Array {
  const out: number[] = [];
  const central: number[] = [];
  for (const [name, data] of files) {
    const nameBytes = text(name);
    const offset = out.length;
    const unpadded = offset + 30 + nameBytes.length + 4;
    const pad = (64 - (unpadded % 64)) % 64;
    const extra = [...le(0x4246, 2), ...le(pad, 2), ...new Array<number>(pad).fill(0x5a)];
    const crc = crc32(data);
    out.push(...le(0x04034b50, 4), 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...le(crc, 4), ...le(data.length, 4), ...le(data.length, 4),
      ...le(nameBytes.length, 2), ...le(extra.length, 2), ...nameBytes, ...extra);
    for (const b of data) out.push(b);
    const zip64Extra = zip64 ? [...le(1, 2), ...le(8, 2), ...le(offset, 8)] : [];
    central.push(...le(0x02014b50, 4), 45, 3, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...le(crc, 4), ...le(data.length, 4), ...le(data.length, 4),
      ...le(nameBytes.length, 2), ...le(zip64Extra.length, 2), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...le(zip64 ? 0xffffffff : offset, 4), ...nameBytes, ...zip64Extra);
  }
  const directoryOffset = out.length;
  out.push(...central);
  if (zip64) {
    const record = out.length;
    out.push(...le(0x06064b50, 4), ...le(44, 8), 45, 3, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...le(files.length, 8), ...le(files.length, 8),
      ...le(central.length, 8), ...le(directoryOffset, 8));
    out.push(...le(0x07064b50, 4), 0, 0, 0, 0, ...le(record, 8), 1, 0, 0, 0);
    out.push(...le(0x06054b50, 4), 0, 0, 0, 0, ...new Array<number>(12).fill(0xff), 0, 0);
  } else {
    out.push(...le(0x06054b50, 4), 0, 0, 0, 0, ...le(files.length, 2), ...le(files.length, 2), ...le(central.length, 4), ...le(directoryOffset, 4), 0, 0);
  }
  return new Uint8Array(out);
}

/** A whole pytorch_model.bin. */
export function torchSave(tensors: readonly TorchTensor[], options: { zip64?: boolean; root?: string; pickle?: Uint8Array } = {}): Uint8Array {
  const root = options.root ?? 'archive';
  const storages = new Map<string, Uint8Array>();
  for (const t of tensors) if (!storages.has(t.key)) storages.set(t.key, t.storage);
  return zipStored([
    [`${root}/data.pkl`, options.pickle ?? statePickle(tensors)],
    [`${root}/byteorder`, new TextEncoder().encode('little')],
    ...[...storages].map(([key, bytes]): [string, Uint8Array] => [`${root}/data/${key}`, bytes]),
    [`${root}/version`, new TextEncoder().encode('3\n')],
  ], options.zip64);
}
