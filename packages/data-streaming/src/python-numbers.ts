/**
 * Python's text forms of numbers, for the `str_int`, `str_float` and `str_decimal` encodings:
 * `float(text)`, `str(Decimal(text))` (the General Decimal Arithmetic to-scientific-string).
 *
 * @example
 * ```ts
 * parsePythonFloat('inf');          // Infinity
 * pythonDecimalString('1e2');       // '1E+2'
 * pythonDecimalString('.50');       // '0.50'
 * ```
 */
import { InvalidArgumentError } from './errors.js';

const FLOAT_SYNTAX = /^[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?$/;

/**
 * Python `float(text)`: decimal or exponent notation, `inf`/`infinity`/`nan` in any case,
 * surrounding whitespace and digit underscores allowed.
 *
 * @example
 * ```ts
 * parsePythonFloat(' -Infinity '); // -Infinity
 * parsePythonFloat('1e-05');       // 0.00001
 * ```
 */
export function parsePythonFloat(text: string): number {
  const t = text.trim();
  const lower = t.toLowerCase();
  const body = lower.replace(/^[+-]/, '');
  const negative = lower.startsWith('-');
  if (body === 'inf' || body === 'infinity') return negative ? -Infinity : Infinity;
  if (body === 'nan') return NaN;
  if (!FLOAT_SYNTAX.test(t) || /_(?!\d)|(?<!\d)_/.test(t)) {
    throw new InvalidArgumentError('parsePythonFloat', `could not convert string to float: '${text}'`);
  }
  return Number(t.replace(/_/g, ''));
}

/**
 * Python `int(text)` for decimal text (sign, whitespace and digit underscores allowed).
 *
 * @example
 * ```ts
 * parsePythonInt('-12_345'); // -12345n
 * ```
 */
export function parsePythonInt(text: string): bigint {
  const t = text.trim();
  if (!/^[+-]?\d(?:_?\d)*$/.test(t)) {
    throw new InvalidArgumentError('parsePythonInt', `invalid literal for int() with base 10: '${text}'`);
  }
  return BigInt(t.replace(/_/g, ''));
}

const DECIMAL_SYNTAX = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const DECIMAL_SPECIAL = /^([+-]?)(inf|infinity|nan|snan)(\d*)$/i;

/**
 * Python `str(Decimal(text))`: the canonical scientific string of a decimal literal.
 *
 * @example
 * ```ts
 * pythonDecimalString('0.000001'); // '0.000001'
 * pythonDecimalString('0.0000001'); // '1E-7'
 * pythonDecimalString('-inf');     // '-Infinity'
 * ```
 */
export function pythonDecimalString(text: string): string {
  const t = text.trim().replace(/(?<=\d)_(?=\d)/g, '');
  const special = DECIMAL_SPECIAL.exec(t);
  if (special) {
    const sign = special[1] === '-' ? '-' : '';
    const kind = special[2]!.toLowerCase();
    const payload = (special[3] ?? '').replace(/^0+/, '');
    if (kind === 'inf' || kind === 'infinity') {
      if (special[3]) throw new InvalidArgumentError('pythonDecimalString', `invalid decimal literal '${text}'`);
      return `${sign}Infinity`;
    }
    return `${sign}${kind === 'nan' ? 'NaN' : 'sNaN'}${payload}`;
  }
  const m = DECIMAL_SYNTAX.exec(t);
  if (!m) throw new InvalidArgumentError('pythonDecimalString', `invalid decimal literal '${text}'`);
  const sign = m[1] === '-' ? '-' : '';
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? m[4] ?? '';
  let coefficient = (intPart + fracPart).replace(/^0+/, '');
  if (coefficient === '') coefficient = '0';
  const exponent = Number(m[5] ?? '0') - fracPart.length;
  const adjusted = exponent + coefficient.length - 1;
  if (exponent <= 0 && adjusted >= -6) {
    if (exponent === 0) return sign + coefficient;
    const point = coefficient.length + exponent;
    if (point > 0) return `${sign}${coefficient.slice(0, point)}.${coefficient.slice(point)}`;
    return `${sign}0.${'0'.repeat(-point)}${coefficient}`;
  }
  const head = coefficient.length > 1 ? `${coefficient[0]}.${coefficient.slice(1)}` : coefficient;
  return `${sign}${head}E${adjusted >= 0 ? '+' : '-'}${Math.abs(adjusted)}`;
}
