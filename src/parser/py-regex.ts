/**
 * Keys of `?=`, `?+=`, `?<=` and the prefix in join names are Python regular expressions used
 * as `re.match(key + "$", k)`. This translates the Python syntax to a JavaScript RegExp with
 * the same meaning for everything configs use, and rejects (instead of silently changing)
 * what JavaScript cannot express the same way.
 */

/** Thrown for a pattern Python would reject or that cannot be translated faithfully. */
export class PyRegexError extends Error {}

const KNOWN_ESCAPES = new Set('abBdDfnrsStvwWAZ0123456789xuUN'.split(''));
const CLASS_ESCAPES = new Set('abdDfnrsStvwW01234567xuUN'.split(''));
const matchCache = new Map<string, RegExp>();
const prefixCache = new Map<string, RegExp>();

/** A RegExp that tests like Python's `re.match(pattern + "$", s)`. */
export function pyMatchRegex(pattern: string): RegExp {
  let re = matchCache.get(pattern);
  if (re === undefined) {
    const { source, flags } = translate(pattern + '$');
    re = new RegExp(`^(?:${source})`, flags);
    matchCache.set(pattern, re);
  }
  return re;
}

/** A RegExp that finds `pattern` at the start of a string, like `re.sub("^" + pattern, …)`. */
export function pyPrefixRegex(pattern: string): RegExp {
  let re = prefixCache.get(pattern);
  if (re === undefined) {
    const { source, flags } = translate(pattern);
    re = new RegExp(`^(?:${source})`, flags);
    prefixCache.set(pattern, re);
  }
  return re;
}

function translate(pattern: string): { source: string; flags: string } {
  let out = '';
  let flags = '';
  let depth = 0;
  let i = 0;
  // Global inline flags must come first in Python 3.11.
  const lead = /^\(\?([aiLmsux]+)\)/.exec(pattern);
  if (lead) {
    for (const f of lead[1] ?? '') {
      if (f === 'i' || f === 'm' || f === 's') flags += f;
      else if (f !== 'u' && f !== 'a')
        throw new PyRegexError(`inline flag (?${f}) is not supported`);
    }
    i = lead[0].length;
  }
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined)
        throw new PyRegexError(`bad escape (end of pattern) at position ${i}`);
      out += escape(next, i, false);
      i += 2;
    } else if (ch === '[') {
      const end = classEnd(pattern, i);
      let cls = '[';
      let j = i + 1;
      if (pattern[j] === '^') {
        cls += '^';
        j++;
      }
      if (pattern[j] === ']') {
        cls += '\\]';
        j++;
      }
      while (j < end) {
        const c = pattern[j] as string;
        if (c === '\\') {
          const next = pattern[j + 1];
          if (next === undefined) throw new PyRegexError(`bad escape at position ${j}`);
          cls += escape(next, j, true);
          j += 2;
        } else if (c === '[') {
          cls += '\\[';
          j++;
        } else {
          cls += c;
          j++;
        }
      }
      out += cls + ']';
      i = end + 1;
    } else if (ch === '(') {
      depth++;
      if (pattern.startsWith('(?P<', i)) {
        out += '(?<';
        i += 4;
      } else if (pattern.startsWith('(?P=', i)) {
        const close = pattern.indexOf(')', i);
        if (close < 0) throw new PyRegexError(`missing ), unterminated name at position ${i}`);
        out += `\\k<${pattern.slice(i + 4, close)}>`;
        depth--;
        i = close + 1;
      } else if (pattern.startsWith('(?#', i)) {
        const close = pattern.indexOf(')', i);
        if (close < 0) throw new PyRegexError(`missing ), unterminated comment at position ${i}`);
        depth--;
        i = close + 1;
      } else if (/^\(\?(?:[>(]|[aiLmsux-]+[:)])/.test(pattern.slice(i))) {
        throw new PyRegexError(`group syntax at position ${i} is not supported`);
      } else {
        out += '(';
        i++;
      }
    } else if (ch === ')') {
      depth--;
      if (depth < 0) throw new PyRegexError(`unbalanced parenthesis at position ${i}`);
      out += ')';
      i++;
    } else if ((ch === '+' || ch === '*' || ch === '?' || ch === '}') && pattern[i + 1] === '+') {
      throw new PyRegexError(`possessive quantifier at position ${i} is not supported`);
    } else {
      out += ch;
      i++;
    }
  }
  if (depth > 0) throw new PyRegexError('missing ), unterminated subpattern');
  try {
    new RegExp(out, flags);
  } catch (e) {
    throw new PyRegexError(
      e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e),
    );
  }
  return { source: out, flags };
}

function escape(next: string, at: number, inClass: boolean): string {
  if (/[A-Za-z0-9]/.test(next)) {
    if (!(inClass ? CLASS_ESCAPES : KNOWN_ESCAPES).has(next)) {
      throw new PyRegexError(`bad escape \\${next} at position ${at}`);
    }
    switch (next) {
      case 'a':
        return '\\x07';
      case 'A':
        return '^';
      case 'Z':
        return '$(?![\\s\\S])';
      case 'U':
      case 'N':
        throw new PyRegexError(`escape \\${next} at position ${at} is not supported`);
      default:
        return '\\' + next;
    }
  }
  return '\\' + next;
}

/** Index of the `]` that closes the class opened at `start` (Python's rules). */
function classEnd(p: string, start: number): number {
  let j = start + 1;
  if (p[j] === '^') j++;
  if (p[j] === ']') j++;
  while (j < p.length) {
    if (p[j] === '\\') j += 2;
    else if (p[j] === ']') return j;
    else j++;
  }
  throw new PyRegexError(`unterminated character set at position ${start}`);
}
