import type { Token } from '../lexer.js';
import { LineError } from '../token-reader.js';
import { lexFragment } from './lex-fragment.js';
import { TokenCursor } from './token-cursor.js';

/** A variant's name as the `.cfg` dash line `- [@]NAME:` gives it. */
export interface VariantName {
  /** Token texts as written, dots included. */
  readonly raw: readonly string[];
  /** The labels (the identifiers of `raw`, or a lone token as it is). */
  readonly names: readonly string[];
  /** Written with a leading `@` (a default variant). */
  readonly at: boolean;
}

/**
 * Parses the name of a variant written in YAML (`"@tiny"`, `x86_64`, `8.0`) exactly as the
 * part of a dash line before its colon, quirks included: a dotted name gives several labels, a
 * lone token is used as it is, `@` alone gives no label. Throws a `LineError` (position in
 * `text`).
 */
export function parseVariantName(text: string): VariantName {
  // `-` + name + `:` is the dash line the name stands for; positions shift by the dash.
  const cursor = new TokenCursor(lexFragment(`${text}:`, '-'));
  const first = cursor.expectNonWhite(['ident', 'at'], 'a variant name or "@"');
  const what = 'expected a variant name (letters, digits, "_", "-", ".")';
  const rest = cursor.untilChecked(['ident', 'dot'], ['colon'], what);
  const tokens: Token[] = first.type === 'at' ? rest : [first, ...rest];
  const after = cursor.nextNonWhite();
  if (after.type !== 'endl') {
    throw new LineError(
      'CFG_SYNTAX',
      `${what}; found ":" inside the name (dependencies go in "deps:")`,
      rest[rest.length - 1]?.pos ?? 0,
    );
  }
  let raw: Token[];
  let names: Token[];
  if (tokens.length === 2) {
    // Reference quirk: a one-token name is used as it is, even a lone ".".
    names = [tokens[0] as Token];
    raw = names;
  } else {
    raw = tokens.slice(0, -1);
    names = raw.filter((t) => t.type === 'ident');
  }
  return {
    raw: raw.map((t) => t.value),
    names: names.map((t) => t.value),
    at: first.type === 'at',
  };
}
