/** Python json/repr byte compatibility (spec §1.9); reference strings produced by CPython 3.11. */
import { describe, expect, it } from 'vitest';
import { PyFloat, compareCodePoints, pythonFloatRepr, pythonJsonDumps, pythonJsonParse } from './python-json.js';
import { parsePythonFloat, parsePythonInt, pythonDecimalString } from './python-numbers.js';

// [float64 bits (hex, big-endian), repr(value)] from CPython: random magnitudes 1e-330..1e310,
// large integral floats, fractions, and the fixed/exponent switch points.
const REPR_VECTORS: [string, string][] = [["4022f51215e08b20", "9.478653606090631"], ["4f426bb913570b81", "6.509344730398537e+73"], ["0ac3baf76b543a2f", "8.212742919913083e-257"], ["0f429a897ceadbdb", "3.656889169125855e-235"], ["07a89b3616f69ead", "9.097040631431022e-272"], ["2897159dddc32da7", "3.7495658441984886e-113"], ["5785bc402e700c0d", "4.181721513707595e+113"], ["2e468e8d5fa5e87c", "9.071301334386506e-86"], ["55451d014b09e094", "5.911050607898916e+102"], ["7371b4d8cab44982", "1.2380196114964557e+248"], ["2ab6995bd12024d9", "6.306259157317371e-103"], ["772783569d822a6b", "9.477089424570056e+265"], ["75de7766edc9bc6f", "5.8554142264038684e+259"], ["05cc5a8a0bf636c9", "9.7625510559292e-281"], ["05208e2ed88d2d24", "5.566648979370926e-284"], ["178b0f8c9fd09ec1", "2.8960928633167627e-195"], ["19e2612341b0dc22", "5.406858855321425e-184"], ["7490d491fc6b3f56", "3.0848182410193435e+253"], ["21a078c51fb495fc", "1.0305571244359134e-146"], ["74a16ddb640a9811", "6.38913468926184e+253"], ["4a50aa8a883b7b4e", "9.743057599473337e+49"], ["08a74b0dbc693bd7", "5.643682931333867e-267"], ["7eb338ac2fc4223c", "2.0595871281932653e+302"], ["6c49672313050614", "4.2759230566940286e+213"], ["3dfffef463b62d89", "4.6560186583967405e-10"], ["5ba97879149bcdeb", "3.6158235594456633e+133"], ["30226585bd79a8a2", "7.943794815224912e-77"], ["2ee3e08cc3ab2051", "8.185501079576985e-83"], ["3b19659e2882259f", "5.2519650381145144e-24"], ["4443c58b20fd3548", "7.294452894392176e+20"], ["43966f83ae894928", "4.041638942250296e+17"], ["c3a7121ab358ee86", "-8.312102850233147e+17"], ["438408521bb6ac78", "1.8043674494432435e+17"], ["c3a132b03278b3ce", "-6.196232891501053e+17"], ["c38774bd6f2c8018", "-2.112730056695488e+17"], ["c3588a498a8dd420", "-2.762979161140851e+16"], ["c3a6c9b185f8a79c", "-8.210193640568786e+17"], ["438fd857e0e2b755", "2.8683507919165302e+17"], ["4069371a9fbe76c9", "201.722"], ["c071eb645a1cac08", "-286.712"], ["40f40f1000000000", "82161.0"], ["40f196aaaaaaaaab", "72042.66666666667"], ["c12a1de400000000", "-855794.0"], ["408ea91cac083127", "981.139"], ["c0b6700000000000", "-5744.0"], ["c08b4622d0e56042", "-872.767"], ["4341c37937e08000", "1e+16"], ["430c6bf526340000", "1000000000000000.0"], ["4341c37937e07fff", "9999999999999998.0"], ["3f1a36e2eb1c432d", "0.0001"], ["3f1a36371ea531a8", "9.999e-05"], ["419d6f3454000000", "123456789.0"], ["3e7ad7f29abcaf48", "1e-07"], ["4450000000000000", "1.1805916207174113e+21"]];

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt('0x' + hex));
  return view.getFloat64(0);
}

describe('pythonFloatRepr', () => {
  it('matches CPython repr on reference values', () => {
    for (const [bits, repr] of REPR_VECTORS) expect(pythonFloatRepr(fromBits(bits))).toBe(repr);
  });

  it('handles specials and the notation switch points', () => {
    expect(pythonFloatRepr(0)).toBe('0.0');
    expect(pythonFloatRepr(-0)).toBe('-0.0');
    expect(pythonFloatRepr(1e-5)).toBe('1e-05');
    expect(pythonFloatRepr(0.0001)).toBe('0.0001');
    expect(pythonFloatRepr(1e16)).toBe('1e+16');
    expect(pythonFloatRepr(1e15)).toBe('1000000000000000.0');
    expect(pythonFloatRepr(5e-324)).toBe('5e-324');
    expect(pythonFloatRepr(1.7976931348623157e308)).toBe('1.7976931348623157e+308');
    expect(pythonFloatRepr(Infinity)).toBe('inf');
    expect(pythonFloatRepr(-Infinity)).toBe('-inf');
    expect(pythonFloatRepr(NaN)).toBe('nan');
  });
});

describe('pythonJsonDumps', () => {
  it('matches json.dumps defaults', () => {
    expect(pythonJsonDumps([1e16, new PyFloat(1e15), 0.1, 1e-5, -0, 2.5e-7, 1e22, NaN, Infinity, -Infinity])).toBe(
      '[1e+16, 1000000000000000.0, 0.1, 1e-05, -0.0, 2.5e-07, 1e+22, NaN, Infinity, -Infinity]',
    );
    expect(pythonJsonDumps({ a: '\x7f\x00\u2028\u{1F600}"\\/\b\f\n\r\t' })).toBe(
      '{"a": "\\u007f\\u0000\\u2028\\ud83d\\ude00\\"\\\\/\\b\\f\\n\\r\\t"}',
    );
    expect(pythonJsonDumps({ i: 0, len: 16, tags: ['x'], nested: { even: true, none: null, ratio: new PyFloat(0) } })).toBe(
      '{"i": 0, "len": 16, "tags": ["x"], "nested": {"even": true, "none": null, "ratio": 0.0}}',
    );
    expect(pythonJsonDumps([2n ** 70n, 12345678901234, 1e15, {}, []])).toBe('[1180591620717411303424, 12345678901234, 1000000000000000, {}, []]');
  });

  it('sorts keys by code point and writes typed arrays as lists', () => {
    expect(pythonJsonDumps({ b: 1, a: 2, '\u{1F600}': 3, '\uffff': 4 }, { sortKeys: true })).toBe(
      '{"a": 2, "b": 1, "\\uffff": 4, "\\ud83d\\ude00": 3}',
    );
    expect(pythonJsonDumps(new Float32Array([1, 0.5]))).toBe('[1.0, 0.5]');
    expect(pythonJsonDumps(new Int32Array([1, -2]))).toBe('[1, -2]');
    expect(pythonJsonDumps(new Map([['2', 1], ['1', 2]]))).toBe('{"2": 1, "1": 2}');
  });

  it('rejects what Python cannot serialise', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => pythonJsonDumps(cyclic)).toThrow(/circular/);
    expect(() => pythonJsonDumps({ f: () => 1 })).toThrow(/not JSON serializable/);
  });
});

describe('pythonJsonParse', () => {
  it('reads NaN, Infinity and big ints', () => {
    expect(pythonJsonParse('[NaN, Infinity, -Infinity, 12345678901234567890, -9007199254740993, 1.5]')).toEqual([
      NaN, Infinity, -Infinity, 12345678901234567890n, -9007199254740993n, 1.5,
    ]);
    expect(pythonJsonParse('{"__proto__": 1}')).toEqual(JSON.parse('{"__proto__": 1}'));
  });

  it('round-trips byte for byte in exact mode', () => {
    for (const text of [
      '{"i": 0, "nested": {"ratio": 0.0, "x": 12.0, "y": -0.0}}',
      '{"b": 1, "2": [1.0, 2], "1": "\\u00e9"}',
      '[1e+16, 1.2345678901234568e+17, 5e-324, NaN, 1180591620717411303424]',
    ]) {
      expect(pythonJsonDumps(pythonJsonParse(text, { exact: true }))).toBe(text);
    }
  });

  it('reports malformed input', () => {
    expect(() => pythonJsonParse('[1, 2', { exact: true })).toThrow(/pythonJsonParse/);
    expect(() => pythonJsonParse('{"a" 1}', { exact: true })).toThrow(/':' delimiter/);
  });
});

describe('python numbers', () => {
  it('compareCodePoints orders astral characters after the BMP', () => {
    expect(['\u{1F600}', '\uffff', 'a'].sort(compareCodePoints)).toEqual(['a', '\uffff', '\u{1F600}']);
  });

  it('parses float() and int() text', () => {
    expect(parsePythonFloat('inf')).toBe(Infinity);
    expect(parsePythonFloat(' -Infinity ')).toBe(-Infinity);
    expect(parsePythonFloat('nan')).toBeNaN();
    expect(parsePythonFloat('1_000.5')).toBe(1000.5);
    expect(() => parsePythonFloat('0x10')).toThrow(/could not convert/);
    expect(parsePythonInt('-12_345')).toBe(-12345n);
    expect(() => parsePythonInt('1.5')).toThrow(/invalid literal/);
  });

  it('pythonDecimalString matches str(Decimal(text))', () => {
    const cases: [string, string][] = [
      ['1e2', '1E+2'], ['.5', '0.5'], ['+1', '1'], ['inf', 'Infinity'], ['-0', '-0'], ['0.00', '0.00'],
      ['0E+3', '0E+3'], ['1.50E+3', '1.50E+3'], ['0.0000001', '1E-7'], ['123.456e-10', '1.23456E-8'],
      ['-sNaN12', '-sNaN12'], ['NaN', 'NaN'], ['007', '7'], ['0.000001', '0.000001'],
    ];
    for (const [input, output] of cases) expect(pythonDecimalString(input)).toBe(output);
    expect(() => pythonDecimalString('1.2.3')).toThrow(/invalid decimal/);
  });
});
