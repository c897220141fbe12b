/**
 * Python's text semantics that the reference parser's behaviour depends on: `str.splitlines`,
 * `str.isspace`, `str.isalnum`, `str.strip` and `str.expandtabs`. JavaScript's own `\s`, `trim`
 * and line splitting differ in small ways (BOM, `\x1c`–`\x1f`, `\x85`), and a config that
 * relies on them must still yield the reference's dicts.
 */
/* eslint-disable no-control-regex -- Python's whitespace and line breaks include \x1c-\x1f. */

/** Characters Python's `str.isspace()` accepts (Unicode White_Space, without U+FEFF). */
const PY_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const PY_SPACE_RUN_END =
  /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;
const PY_SPACE_RUN_START =
  /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
/** Line boundaries of `str.splitlines()` (universal newlines included). */
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
const PY_ALNUM = /^[\p{L}\p{N}]$/u;

/** `ch.isspace()` for one character. */
export function pyIsSpace(ch: string): boolean {
  return PY_SPACE.test(ch);
}

/** `ch.isalnum()` for one character (a code point). */
export function pyIsAlnum(ch: string): boolean {
  const c = ch.charCodeAt(0);
  // ASCII fast path: this runs for every character of every char-lexed line.
  if (c < 128) {
    return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  }
  return PY_ALNUM.test(ch);
}

/** `s.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(PY_SPACE_RUN_END, '');
}

/** `s.lstrip()`. */
export function pyLstrip(s: string): string {
  return s.replace(PY_SPACE_RUN_START, '');
}

/** `s.strip()`. */
export function pyStrip(s: string): string {
  return pyLstrip(pyRstrip(s));
}

/** `s.splitlines()`: no empty last element for a trailing line break. */
export function pySplitLines(s: string): string[] {
  if (s === '') return [];
  const parts = s.split(PY_LINE_BREAK);
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** `s.expandtabs(8)` for a string without line breaks. */
export function pyExpandTabs(s: string, tabSize = 8): string {
  if (!s.includes('\t')) return s;
  let out = '';
  let col = 0;
  for (const ch of s) {
    if (ch === '\t') {
      const n = tabSize - (col % tabSize);
      out += ' '.repeat(n);
      col += n;
    } else {
      out += ch;
      col += 1;
    }
  }
  return out;
}

/** Number of code points, which is what Python's `len()` and column positions count. */
export function pyLen(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** `s.split()`: runs of Python whitespace separate, no empty items. */
export function pySplitWhitespace(s: string): string[] {
  return s.split(PY_SPACE_RUNS).filter((x) => x !== '');
}
const PY_SPACE_RUNS =
  /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/**
 * Python's `int(str)` and `float(str)`, used by the `_max` / `_min` post-processing, which
 * compares values the way the reference does (underscores, surrounding spaces, `1e3`, `inf`).
 */
const INT = /^[+-]?\d+(?:_\d+)*$/;
const FLOAT =
  /^[+-]?(?:(?:\d+(?:_\d+)*)?\.\d+(?:_\d+)*|\d+(?:_\d+)*\.?)(?:[eE][+-]?\d+(?:_\d+)*)?$/;
const SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/** `int(s)`; undefined where Python raises ValueError. */
export function pyInt(s: string): bigint | undefined {
  const t = pyStrip(s);
  if (!INT.test(t)) return undefined;
  return BigInt(t.replaceAll('_', ''));
}

/** `float(s)`; undefined where Python raises ValueError. */
export function pyFloat(s: string): number | undefined {
  const t = pyStrip(s);
  if (SPECIAL.test(t)) {
    const neg = t.startsWith('-');
    if (/nan/i.test(t)) return NaN;
    return neg ? -Infinity : Infinity;
  }
  if (!FLOAT.test(t)) return undefined;
  return Number(t.replaceAll('_', ''));
}

/**
 * Python's `repr()` of the values a dict holds, needed because `${dep}` and
 * `${_name_map_file}` substitute the Python representation of a list or dict.
 */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      if (cp < 0x100) out += '\\x' + cp.toString(16).padStart(2, '0');
      else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + quote;
}

/** `str(value)` of a dict value: strings as they are, lists and dicts as Python prints them. */
export function pyStr(value: string | readonly string[] | ReadonlyMap<string, string>): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) {
    const parts: string[] = [];
    for (const [k, v] of value as ReadonlyMap<string, string>) {
      parts.push(`${pyReprString(k)}: ${pyReprString(v)}`);
    }
    return `{${parts.join(', ')}}`;
  }
  return `[${(value as readonly string[]).map(pyReprString).join(', ')}]`;
}
