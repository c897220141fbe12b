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
