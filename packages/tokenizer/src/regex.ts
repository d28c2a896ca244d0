/**
 * Translates the Oniguruma regular expressions of tokenizer.json (`Split`, `Replace`) into
 * JavaScript `u`-mode regular expressions with the same meaning:
 *
 * - `\s` `\S` become the White_Space set (JS `\s` differs on U+0085 and U+FEFF); `\w` `\W`
 *   become Oniguruma's Unicode word class (L, M, N, Pc); `\d` `\D` become `\p{Nd}` `\P{Nd}`;
 *   `\h` is a hex digit.
 * - `(?i)` and `(?i:...)` (Node 20 has no inline modifiers) become explicit case classes.
 * - `\p{Han}`-style script names become `\p{Script=Han}`; `\p{^L}` becomes `\P{L}`.
 * - `\A` `\z` `\Z`, `\x{...}`, identity escapes and literal `{` are rewritten for `u` mode.
 *
 * Constructs JS cannot express (possessive quantifiers, atomic groups, POSIX brackets, class
 * intersection, nested classes, `\W` `\S` inside a class) throw, so a tokenizer never loads with
 * a silently different pattern.
 *
 * @example
 * ```ts
 * new RegExp(translateOnigRegex("(?i:'s|'t)|\\s+(?!\\S)"), 'gu');
 * ```
 */
import { ONIG_WORD_CLASS, WHITESPACE_CLASS } from './unicode.js';

/** Thrown by {@link translateOnigRegex} for a construct JS cannot express. */
export class UnsupportedRegexError extends Error {}

const GENERAL_CATEGORIES = new Set(
  (
    'L Lu Ll Lt Lm Lo LC M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po S Sm Sc Sk So Z Zs Zl Zp C Cc Cf Cs Co Cn ' +
    'Letter Mark Number Punctuation Symbol Separator Other Any ASCII Alphabetic White_Space Uppercase Lowercase ' +
    'Emoji Emoji_Presentation Extended_Pictographic Join_Control Ideographic Cased_Letter Uppercase_Letter ' +
    'Lowercase_Letter Titlecase_Letter Modifier_Letter Other_Letter Decimal_Number Letter_Number Other_Number ' +
    'Connector_Punctuation Dash_Punctuation Space_Separator Control Format Nonspacing_Mark Spacing_Mark Enclosing_Mark'
  ).split(' '),
);

const SYNTAX_CHARS = new Set([...'^$\\.*+?()[]{}|/']);

/**
 * Translates an Oniguruma pattern to a JS `u`-mode pattern source.
 *
 * @example
 * ```ts
 * translateOnigRegex('\\d+'); // '\\p{Nd}+'
 * ```
 */
export function translateOnigRegex(source: string): string {
  let out = '';
  let i = 0;
  let inClass = false;
  let classStart = false;
  // Case-insensitivity per group depth; index 0 is the whole pattern.
  const caseStack: boolean[] = [false];
  const ci = (): boolean => caseStack[caseStack.length - 1]!;
  const n = source.length;

  while (i < n) {
    const c = source[i]!;
    if (c === '\\') {
      const e = source[i + 1];
      if (e === undefined) throw new UnsupportedRegexError('pattern ends with a backslash');
      i += 2;
      out += translateEscape(e, inClass, source, () => i, (next) => (i = next));
      classStart = false;
      continue;
    }
    if (inClass) {
      if (c === '[') {
        if (source[i + 1] === ':') throw new UnsupportedRegexError('POSIX bracket expressions are not supported');
        throw new UnsupportedRegexError('nested character classes are not supported');
      }
      if (c === '&' && source[i + 1] === '&') throw new UnsupportedRegexError('class intersection (&&) is not supported');
      if (c === ']' && !classStart) {
        inClass = false;
        out += ']';
        i++;
        continue;
      }
      if (c === ']') {
        out += '\\]';
      } else if (ci() && /\p{L}/u.test(c)) {
        const cp = String.fromCodePoint(source.codePointAt(i)!);
        out += caseVariants(cp).join('');
        i += cp.length;
        classStart = false;
        continue;
      } else if (c === '-' && ci() && /[a-zA-Z]/.test(out[out.length - 1] ?? '') && /[a-zA-Z]/.test(source[i + 1] ?? '')) {
        // An ASCII range under (?i): add the other case's range as well.
        const from = source[i - 1]!;
        const to = source[i + 1]!;
        out = out.slice(0, -caseVariants(from).join('').length) + `${from}-${to}`;
        const swap = (s: string): string => (s === s.toLowerCase() ? s.toUpperCase() : s.toLowerCase());
        out += `${swap(from)}-${swap(to)}`;
        i += 2;
        classStart = false;
        continue;
      } else {
        out += c;
      }
      classStart = false;
      i++;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        classStart = true;
        out += '[';
        i++;
        if (source[i] === '^') {
          out += '^';
          i++;
        }
        continue;
      case '(': {
        const rest = source.slice(i);
        const flagGroup = /^\(\?([imx]*)(?:-([imx]*))?(:|\))/.exec(rest);
        if (flagGroup && (flagGroup[1] || flagGroup[2])) {
          const on = flagGroup[1] ?? '';
          const off = flagGroup[2] ?? '';
          if (/[mx]/.test(on + off)) throw new UnsupportedRegexError(`inline flags (?${on}${off ? '-' + off : ''}) are not supported`);
          const value = on.includes('i') ? true : off.includes('i') ? false : ci();
          if (flagGroup[3] === ')') {
            caseStack[caseStack.length - 1] = value; // applies to the rest of the enclosing group
          } else {
            caseStack.push(value);
            out += '(?:';
          }
          i += flagGroup[0].length;
          continue;
        }
        if (rest.startsWith('(?>')) throw new UnsupportedRegexError('atomic groups (?>...) are not supported');
        if (rest.startsWith('(?#')) {
          const close = source.indexOf(')', i);
          i = close < 0 ? n : close + 1;
          continue;
        }
        caseStack.push(ci());
        out += '(';
        i++;
        continue;
      }
      case ')':
        if (caseStack.length > 1) caseStack.pop();
        out += ')';
        i++;
        continue;
      case '}':
        out += '\\}';
        i++;
        continue;
      case '*':
      case '+':
      case '?': {
        out += c;
        i++;
        if (source[i] === '+') throw new UnsupportedRegexError('possessive quantifiers are not supported');
        continue;
      }
      case '{': {
        const quantifier = /^\{\d+(,\d*)?\}|^\{,\d+\}/.exec(source.slice(i));
        if (quantifier) {
          out += quantifier[0].startsWith('{,') ? `{0${quantifier[0].slice(1)}` : quantifier[0];
          i += quantifier[0].length;
          if (source[i] === '+') throw new UnsupportedRegexError('possessive quantifiers are not supported');
        } else {
          out += '\\{';
          i++;
        }
        continue;
      }
      default: {
        const cp = String.fromCodePoint(source.codePointAt(i)!);
        if (ci() && /\p{L}/u.test(cp)) {
          const variants = caseVariants(cp);
          out += variants.length > 1 ? `[${variants.join('')}]` : cp;
        } else {
          out += cp;
        }
        i += cp.length;
      }
    }
  }
  if (inClass) throw new UnsupportedRegexError('unterminated character class');
  return out;
}

function caseVariants(c: string): string[] {
  const set = new Set([c, c.toLowerCase(), c.toUpperCase()]);
  return [...set].filter((v) => [...v].length === 1);
}

function translateEscape(
  e: string,
  inClass: boolean,
  source: string,
  position: () => number,
  setPosition: (i: number) => void,
): string {
  const wrap = (body: string, negate: boolean): string => (inClass ? body : `[${negate ? '^' : ''}${body}]`);
  switch (e) {
    case 's':
      return wrap(WHITESPACE_CLASS, false);
    case 'S':
      if (inClass) throw new UnsupportedRegexError('\\S inside a character class is not supported');
      return wrap(WHITESPACE_CLASS, true);
    case 'w':
      return wrap(ONIG_WORD_CLASS, false);
    case 'W':
      if (inClass) throw new UnsupportedRegexError('\\W inside a character class is not supported');
      return wrap(ONIG_WORD_CLASS, true);
    case 'd':
      return '\\p{Nd}';
    case 'D':
      return '\\P{Nd}';
    case 'h':
      return wrap('0-9a-fA-F', false);
    case 'H':
      if (inClass) throw new UnsupportedRegexError('\\H inside a character class is not supported');
      return wrap('0-9a-fA-F', true);
    case 'A':
      return '^';
    case 'z':
      return '$';
    case 'Z':
      return '(?=\\n?$)';
    case 'p':
    case 'P': {
      const m = /^\{(\^?)([A-Za-z_ =]+)\}/.exec(source.slice(position()));
      if (!m) throw new UnsupportedRegexError(`malformed \\${e} property`);
      setPosition(position() + m[0].length);
      const negate = (e === 'P') !== (m[1] === '^');
      const name = m[2]!.replace(/ /g, '_');
      const property = GENERAL_CATEGORIES.has(name) || name.includes('=') ? name : `Script=${name}`;
      return `\\${negate ? 'P' : 'p'}{${property === 'Any' ? 'Any' : property}}`;
    }
    case 'x': {
      const braced = /^\{([0-9a-fA-F]+)\}/.exec(source.slice(position()));
      if (braced) {
        setPosition(position() + braced[0].length);
        return `\\u{${braced[1]}}`;
      }
      return '\\x';
    }
    default:
      if (/[0-9bBnrtfvcuk]/.test(e)) return `\\${e}`;
      if (/[a-zA-Z]/.test(e)) throw new UnsupportedRegexError(`escape \\${e} is not supported`);
      if (SYNTAX_CHARS.has(e) || (inClass && e === '-')) return `\\${e}`;
      return e;
  }
}
