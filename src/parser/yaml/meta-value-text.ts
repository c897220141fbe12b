import { pyIsAlnum } from '../python-text.js';

const PUNCTUATION: ReadonlySet<string> = new Set([
  '.',
  ':',
  '@',
  ',',
  '[',
  '(',
  ')',
  '!',
  '=',
  '+=',
  '<=',
  '~=',
  '?=',
  '?+=',
  '?<=',
]);

/**
 * Writes the token texts of a `[key=…]` value so that the lexer reads them back as the same
 * texts: identifiers apart by a space (whitespace is dropped in meta data), punctuation and
 * operators as they are, and a text that only a quoted string can give (`"a b"`) quoted again
 * — the lexer then re-emits it as the start of the next identifier, which is glued back on.
 */
export function metaValueText(tokens: readonly string[]): string {
  let out = '';
  let afterWord = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    if (isIdentifier(t)) {
      out += (afterWord ? ' ' : '') + t;
      afterWord = true;
    } else if (PUNCTUATION.has(t)) {
      out += t;
      afterWord = false;
    } else {
      out += `${afterWord ? ' ' : ''}"${t}"`;
      const next = tokens[i + 1];
      if (t !== '' && next?.startsWith(t) === true) {
        out += next.slice(t.length);
        i++;
      }
      afterWord = true;
    }
  }
  return out;
}

function isIdentifier(t: string): boolean {
  if (t === '') return false;
  for (const ch of t) if (ch !== '_' && ch !== '-' && !pyIsAlnum(ch)) return false;
  return true;
}
