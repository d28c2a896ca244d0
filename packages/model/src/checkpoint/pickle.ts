/**
 * A restricted unpickler for PyTorch state dicts (spec 3.5). It interprets the opcodes
 * torch.save emits (protocol 2, plus the protocol 3/4 framing and string opcodes) and executes
 * nothing: GLOBAL only names a callable from a short whitelist (OrderedDict, the tensor and
 * parameter rebuild functions, storage types), REDUCE of those builds plain descriptions, and
 * persistent ids become storage references. Anything else is a CheckpointFormatError.
 */
import { CheckpointFormatError } from '../errors.js';

/** A whitelisted global, by its dotted name. */
export class PickleGlobal {
  constructor(readonly name: string) {}
}

/** A pickled tuple. */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** A storage persistent id: ('storage', type, key, location, numel). */
export class StorageRef {
  constructor(readonly storageType: string, readonly key: string, readonly numel: number) {}
}

/** `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`. */
export class TensorRef {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly shape: readonly number[], readonly stride: readonly number[]) {}
}

/** What the unpickler produces. Dicts (and OrderedDicts) are Maps. */
export type PickleValue = null | boolean | number | string | Uint8Array | PickleValue[] | PickleTuple | Map<PickleValue, PickleValue>
  | PickleGlobal | StorageRef | TensorRef;

const GLOBALS = new Set([
  'collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter',
  ...['Float', 'Half', 'BFloat16', 'Double', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool'].map((t) => `torch.${t}Storage`),
]);

const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

function integers(file: string, value: PickleValue, what: string): number[] {
  const items = value instanceof PickleTuple ? value.items : null;
  if (!items || !items.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) {
    throw new CheckpointFormatError(file, `${what} is not a tuple of non-negative integers`);
  }
  return items as number[];
}

function reduce(file: string, callable: PickleValue, args: PickleValue): PickleValue {
  const items = args instanceof PickleTuple ? args.items : [];
  const name = callable instanceof PickleGlobal ? callable.name : '(not a global)';
  if (name === 'collections.OrderedDict' && items.length === 0) return new Map();
  if (name === 'torch._utils._rebuild_parameter') return items[0] ?? null;
  if (name === 'torch._utils._rebuild_tensor_v2') {
    const [storage, offset, size, stride] = items;
    if (!(storage instanceof StorageRef) || typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      throw new CheckpointFormatError(file, '_rebuild_tensor_v2 arguments are malformed');
    }
    const shape = integers(file, size ?? null, 'a tensor size');
    const strides = integers(file, stride ?? null, 'a tensor stride');
    if (strides.length !== shape.length) throw new CheckpointFormatError(file, 'tensor size and stride differ in length');
    return new TensorRef(storage, offset, shape, strides);
  }
  throw new CheckpointFormatError(file, `the pickle calls ${name}, which a weight file never needs`, undefined, undefined,
    'only state dicts of tensors are read; a file that runs other code is rejected');
}

/**
 * Interpret a PyTorch `data.pkl`.
 *
 * @example
 * ```ts
 * const stateDict = unpickle(await readEntry(access, directory.get('archive/data.pkl')!, file), file) as Map<string, TensorRef>;
 * ```
 */
export function unpickle(bytes: Uint8Array, file: string): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const stack: Slot[] = [];
  const memo = new Map<number, PickleValue>();
  let at = 0;
  const fail = (detail: string): never => {
    throw new CheckpointFormatError(file, `pickle: ${detail} (at byte ${at})`);
  };
  const take = (n: number): Uint8Array => {
    if (n < 0 || at + n > bytes.byteLength) fail('truncated');
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const u8 = (): number => take(1)[0]!;
  const u32 = (): number => {
    take(4);
    return view.getUint32(at - 4, true);
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) return fail('stack underflow');
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail('stack underflow');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('MARK missing');
    const items = stack.splice(i) as PickleValue[];
    items.shift();
    return items;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0 || end - at > 256) fail('bad GLOBAL name');
    return decoder.decode(take(end - at + 1).subarray(0, -1));
  };
  const global = (module: string, name: string): PickleGlobal => {
    const full = `${module}.${name}`;
    if (!GLOBALS.has(full)) fail(`global ${full} is not allowed in a weight file`);
    return new PickleGlobal(full);
  };
  const setItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!(target instanceof Map) || items.length % 2) fail('SETITEM(S) on something that is not a dict');
    for (let i = 0; i < items.length; i += 2) (target as Map<PickleValue, PickleValue>).set(items[i]!, items[i + 1]!);
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: take(8); break; // FRAME
      case 0x28: stack.push(MARK); break; // MARK
      case 0x2e: { const result = pop(); if (stack.length) fail('data after STOP'); return result; } // STOP
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(new PickleTuple([])); break; // EMPTY_TUPLE
      case 0x74: stack.push(new PickleTuple(popMark())); break; // TUPLE
      case 0x85: stack.push(new PickleTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push(new PickleTuple([pop(), b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); stack.push(new PickleTuple([pop(), b, c])); break; } // TUPLE3
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { const key = op === 0x68 ? u8() : u32(); if (!memo.has(key)) fail(`memo ${key} missing`); stack.push(memo.get(key)!); break; } // BINGET, LONG_BINGET
      case 0x58: stack.push(decoder.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(decoder.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: { const n = u32() + u32() * 2 ** 32; stack.push(decoder.decode(take(n))); break; } // BINUNICODE8
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u8() | (u8() << 8)); break; // BININT2
      case 0x4a: take(4); stack.push(view.getInt32(at - 4, true)); break; // BININT
      case 0x8a: { // LONG1
        const n = u8();
        if (n > 7) fail('integer too large');
        let v = 0;
        const b = take(n);
        for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i]!;
        if (n > 0 && b[n - 1]! & 0x80) v -= 2 ** (8 * n);
        stack.push(v);
        break;
      }
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x47: take(8); stack.push(view.getFloat64(at - 8, false)); break; // BINFLOAT
      case 0x63: { const module = line(); stack.push(global(module, line())); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); if (typeof module !== 'string' || typeof name !== 'string') fail('bad STACK_GLOBAL'); stack.push(global(module as string, name as string)); break; }
      case 0x51: { // BINPERSID
        const pid = pop();
        const items = pid instanceof PickleTuple ? pid.items : [];
        const [tag, type, key, , numel] = items;
        if (tag !== 'storage' || !(type instanceof PickleGlobal) || typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
          fail('persistent id is not a storage record');
        }
        stack.push(new StorageRef((type as PickleGlobal).name, key as string, numel as number));
        break;
      }
      case 0x52: { const args = pop(); stack.push(reduce(file, pop(), args)); break; } // REDUCE
      case 0x81: { const args = pop(); stack.push(reduce(file, pop(), args)); break; } // NEWOBJ (OrderedDict)
      case 0x62: pop(); top(); break; // BUILD: object state (OrderedDict._metadata) is not needed
      case 0x73: { const value = pop(); const key = pop(); setItems(top(), [key, value]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const value = pop(); const list = top(); if (!Array.isArray(list)) fail('APPEND to a non-list'); (list as PickleValue[]).push(value); break; }
      case 0x65: { const items = popMark(); const list = top(); if (!Array.isArray(list)) fail('APPENDS to a non-list'); (list as PickleValue[]).push(...items); break; }
      default:
        fail(`opcode 0x${op.toString(16).padStart(2, '0')} is not allowed in a weight file`);
    }
  }
}
