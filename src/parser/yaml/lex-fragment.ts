import { lexLine, type Token } from '../lexer.js';
import { pyRstrip } from '../python-text.js';

/**
 * Char-lexes a piece of YAML text (a filter, a name, meta data) with the `.cfg` lexer, so that
 * it means exactly what the same text means after `only ` or on a dash line. `prefix` selects
 * how the lexer starts: `only ` (a keyword line: leading spaces skipped, then char lexing) or
 * `-` (a dash line). Token positions are indices in `text`; the prefix's token is dropped, and
 * the text is right-stripped first because `.cfg` lines always are.
 */
export function lexFragment(text: string, prefix: 'only ' | '-' = 'only '): Token[] {
  return lexLine(prefix + pyRstrip(text), false)
    .slice(1)
    .map((t) => ({ ...t, pos: Math.max(0, t.pos - prefix.length) }));
}
