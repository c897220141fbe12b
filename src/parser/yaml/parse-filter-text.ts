import { type Filter, parseFilter } from '../filter.js';
import { LineError } from '../token-reader.js';
import { lexFragment } from './lex-fragment.js';
import { TokenCursor } from './token-cursor.js';

/**
 * Parses filter text from a YAML config with the `.cfg` filter grammar, so a filter means the
 * same in both forms. `condition` applies the rules of a condition line, where whitespace is
 * dropped (`a b` is then an error, as in `.cfg`); elsewhere whitespace separates words like
 * `,`. Throws a `LineError` whose position is an index in `text`.
 */
export function parseFilterText(text: string, condition = false): Filter {
  // The whole text is read first, as `.cfg` reads the line: a bad character fails before the
  // grammar is checked.
  let tokens = new TokenCursor(lexFragment(text)).restOfLine();
  if (condition) {
    tokens = tokens.filter((t) => t.type !== 'white');
    const first = tokens[0];
    if (first?.type === 'not') {
      throw new LineError(
        'CFG_SYNTAX',
        'a negative condition is written "if not FILTER", not "if !FILTER"',
        first.pos,
      );
    }
  }
  return parseFilter(tokens);
}
