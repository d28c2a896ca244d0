/**
 * Python `json` byte compatibility (spec §1.9): `json.dumps` with its defaults (item separator
 * `", "`, key separator `": "`, `ensure_ascii=True`, floats as Python `repr`, `NaN`/`Infinity`,
 * arbitrary-precision ints) and a parser for what `json.loads` accepts (including `NaN`,
 * `Infinity`, and ints beyond 2^53, which become `bigint`).
 *
 * JavaScript has one number type, Python two. When encoding, a `number` that is a safe integer
 * is written as a Python int (`3`), any other number as a Python float (`0.5`, `1e+100`,
 * `-0.0`), and a {@link PyFloat} always as a float (`PyFloat(3)` gives `3.0`). A `bigint` is an
 * int. Parsing with `{ exact: true }` returns integral floats as `PyFloat` and objects whose key
 * order JavaScript would change (integer-like keys) as `Map`, so that `dumps(parse(text))`
 * reproduces `text` byte for byte.
 *
 * @example
 * ```ts
 * pythonJsonDumps({ a: 1, b: [0.5, 'é'] });          // '{"a": 1, "b": [0.5, "\\u00e9"]}'
 * pythonJsonDumps({ b: 1, a: new PyFloat(2) }, { sortKeys: true }); // '{"a": 2.0, "b": 1}'
 * pythonJsonParse('[NaN, 12345678901234567890]');    // [NaN, 12345678901234567890n]
 * ```
 */
import { InvalidArgumentError } from './errors.js';

/**
 * A Python `float` whose value happens to be integral (`1.0`), kept apart from a Python `int`.
 *
 * @example
 * ```ts
 * pythonJsonDumps({ ratio: new PyFloat(0) }); // '{"ratio": 0.0}'
 * ```
 */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** A value `pythonJsonDumps` accepts and `pythonJsonParse` returns. */
export type PyJsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | PyJsonValue[]
  | Map<string, PyJsonValue>
  | { [key: string]: PyJsonValue };

/**
 * Python `repr(float)`: the shortest string that round-trips, in fixed notation when the decimal
 * exponent is in [-4, 16), otherwise `d.ddde+XX`; integral values end in `.0`; `inf`, `-inf`, `nan`.
 *
 * @example
 * ```ts
 * pythonFloatRepr(1e-5);   // '1e-05'
 * pythonFloatRepr(100000); // '100000.0'
 * pythonFloatRepr(1e16);   // '1e+16'
 * ```
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const text = x.toExponential();
  const ePos = text.indexOf('e');
  let mantissa = text.slice(0, ePos);
  const exponent = Number(text.slice(ePos + 1));
  let sign = '';
  if (mantissa.startsWith('-')) {
    sign = '-';
    mantissa = mantissa.slice(1);
  }
  const digits = mantissa.replace('.', '');
  const decpt = exponent + 1;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const abs = Math.abs(exponent);
  return `${sign}${head}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

/** `float.__repr__` as `json.dumps` writes it (`NaN`, `Infinity`, `-Infinity` for the specials). */
function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return pythonFloatRepr(x);
}

const HEX = '0123456789abcdef';

/**
 * A string as `json.dumps` writes it with `ensure_ascii=True`: quotes, `\\` `\"` `\n` `\r` `\t`
 * `\b` `\f` short escapes, every other character outside printable ASCII as `\uxxxx` (UTF-16
 * code units, so astral characters become surrogate pairs).
 *
 * @example
 * ```ts
 * pythonJsonString('café'); // '"caf\\u00e9"'
 * ```
 */
export function pythonJsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i);
    start = i + 1;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      default:
        out += `\\u${HEX[(c >> 12) & 15]}${HEX[(c >> 8) & 15]}${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
    }
  }
  return `${out}${s.slice(start)}"`;
}

/**
 * Compares strings by Unicode code point, as Python sorts `str` (JavaScript's default sort
 * compares UTF-16 units, which differs for astral characters).
 *
 * @example
 * ```ts
 * ['\u{1F600}', '\uFFFF'].sort(compareCodePoints); // ['\uFFFF', '\u{1F600}']
 * ```
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Options of {@link pythonJsonDumps}. */
export interface PythonJsonDumpsOptions {
  /** `sort_keys=True`: object keys in code-point order (index.json and shard headers use it). */
  sortKeys?: boolean;
}

/**
 * Python's `json.dumps(value, sort_keys=...)` with every other argument at its default.
 * Typed arrays are written as lists (float arrays as floats), like the `tolist()` upstream does
 * for numpy arrays.
 *
 * @example
 * ```ts
 * pythonJsonDumps({ shards: [], version: 2 }, { sortKeys: true }); // '{"shards": [], "version": 2}'
 * ```
 */
export function pythonJsonDumps(value: unknown, options: PythonJsonDumpsOptions = {}): string {
  const sortKeys = options.sortKeys ?? false;
  const seen = new Set<object>();
  const parts: string[] = [];

  const entries = (entryList: [string, unknown][]): void => {
    if (sortKeys) entryList.sort((a, b) => compareCodePoints(a[0], b[0]));
    parts.push('{');
    entryList.forEach(([k, v], i) => {
      if (i > 0) parts.push(', ');
      parts.push(pythonJsonString(k), ': ');
      write(v);
    });
    parts.push('}');
  };

  const write = (v: unknown): void => {
    if (v === null) {
      parts.push('null');
      return;
    }
    switch (typeof v) {
      case 'boolean':
        parts.push(v ? 'true' : 'false');
        return;
      case 'number':
        parts.push(Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : jsonFloat(v));
        return;
      case 'bigint':
        parts.push(v.toString());
        return;
      case 'string':
        parts.push(pythonJsonString(v));
        return;
      case 'object':
        break;
      default:
        throw new InvalidArgumentError('pythonJsonDumps', `a ${typeof v} is not JSON serializable`);
    }
    if (v instanceof PyFloat) {
      parts.push(jsonFloat(v.value));
      return;
    }
    if (seen.has(v)) throw new InvalidArgumentError('pythonJsonDumps', 'circular reference detected');
    seen.add(v);
    if (Array.isArray(v)) {
      parts.push('[');
      v.forEach((x, i) => {
        if (i > 0) parts.push(', ');
        write(x);
      });
      parts.push(']');
    } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const isFloat = v instanceof Float32Array || v instanceof Float64Array;
      const list = Array.from(v as unknown as ArrayLike<number | bigint>);
      parts.push('[');
      list.forEach((x, i) => {
        if (i > 0) parts.push(', ');
        parts.push(isFloat ? jsonFloat(x as number) : String(x));
      });
      parts.push(']');
    } else if (v instanceof Map) {
      const list: [string, unknown][] = [];
      for (const [k, x] of v) list.push([mapKey(k), x]);
      entries(list);
    } else {
      entries(Object.entries(v));
    }
    seen.delete(v);
  };

  write(value);
  return parts.join('');
}

function mapKey(k: unknown): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number') return Number.isSafeInteger(k) ? String(k) : jsonFloat(k);
  if (typeof k === 'bigint') return k.toString();
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (k === null) return 'null';
  throw new InvalidArgumentError('pythonJsonDumps', `a Map key of type ${typeof k} is not JSON serializable`);
}

/** Options of {@link pythonJsonParse}. */
export interface PythonJsonParseOptions {
  /**
   * Keep what JavaScript would lose for a byte-exact re-dump: integral floats as {@link PyFloat},
   * objects with integer-like keys as `Map` (insertion order). Default false.
   */
  exact?: boolean;
}

const SLOW_PATH = /NaN|Infinity|\d{16}/;

/**
 * Python's `json.loads`: standard JSON plus `NaN`, `Infinity` and `-Infinity`; ints outside the
 * safe range become `bigint`.
 *
 * @example
 * ```ts
 * pythonJsonParse('{"x": -Infinity}'); // { x: -Infinity }
 * pythonJsonParse('1.0', { exact: true }); // PyFloat { value: 1 }
 * ```
 */
export function pythonJsonParse(text: string, options: PythonJsonParseOptions = {}): PyJsonValue {
  const exact = options.exact ?? false;
  if (!exact && !SLOW_PATH.test(text)) return JSON.parse(text) as PyJsonValue;
  return new Parser(text, exact).parseDocument();
}

const ARRAY_INDEX = /^(0|[1-9]\d{0,9})$/;

class Parser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly exact: boolean,
  ) {}

  parseDocument(): PyJsonValue {
    this.ws();
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) this.fail('extra data');
    return v;
  }

  private fail(what: string): never {
    throw new InvalidArgumentError('pythonJsonParse', `${what} at char ${this.i}`);
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  private literal(word: string): void {
    if (!this.s.startsWith(word, this.i)) this.fail('expecting value');
    this.i += word.length;
  }

  private value(): PyJsonValue {
    const c = this.s[this.i];
    switch (c) {
      case '{': return this.object();
      case '[': return this.array();
      case '"': return this.string();
      case 't': this.literal('true'); return true;
      case 'f': this.literal('false'); return false;
      case 'n': this.literal('null'); return null;
      case 'N': this.literal('NaN'); return NaN;
      case 'I': this.literal('Infinity'); return Infinity;
      default:
        if (c === '-' && this.s.startsWith('-Infinity', this.i)) {
          this.i += 9;
          return -Infinity;
        }
        return this.number();
    }
  }

  private number(): PyJsonValue {
    const re = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
    re.lastIndex = this.i;
    const m = re.exec(this.s);
    if (!m) this.fail('expecting value');
    this.i = re.lastIndex;
    const text = m[0];
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    const x = Number(text);
    return this.exact && Number.isInteger(x) ? new PyFloat(x) : x;
  }

  private string(): string {
    const s = this.s;
    this.i++;
    let out = '';
    let start = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail('unterminated string');
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        out += s.slice(start, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail('invalid control character');
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      out += s.slice(start, this.i);
      const e = s[this.i + 1];
      this.i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = s.slice(this.i, this.i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\uXXXX escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.i += 4;
          break;
        }
        default:
          this.fail('invalid escape');
      }
      start = this.i;
    }
  }

  private array(): PyJsonValue[] {
    this.i++;
    const out: PyJsonValue[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail("expecting ',' delimiter");
    }
  }

  private object(): PyJsonValue {
    this.i++;
    const list: [string, PyJsonValue][] = [];
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
    } else {
      for (;;) {
        this.ws();
        if (this.s[this.i] !== '"') this.fail('expecting property name enclosed in double quotes');
        const key = this.string();
        this.ws();
        if (this.s[this.i++] !== ':') this.fail("expecting ':' delimiter");
        this.ws();
        list.push([key, this.value()]);
        this.ws();
        const c = this.s[this.i++];
        if (c === '}') break;
        if (c !== ',') this.fail("expecting ',' delimiter");
      }
    }
    if (this.exact && list.some(([k]) => ARRAY_INDEX.test(k) && Number(k) < 2 ** 32 - 1)) return new Map(list);
    const out: { [key: string]: PyJsonValue } = {};
    for (const [k, v] of list) {
      if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
    }
    return out;
  }
}
