import type { Operator } from '../lexer.js';
import { pyRstrip, pyStrip } from '../python-text.js';
import { LineError } from '../token-reader.js';

/** Keys that start a statement other than an assignment. */
export type StatementKeyword = 'only' | 'no' | 'del' | 'suffix' | 'join' | 'include' | 'variants';

/** What the key of a YAML statement (`- KEY: VALUE`) says the statement is. */
export type StatementKey =
  | { readonly kind: 'assign'; readonly key: string; readonly op: Operator }
  | { readonly kind: 'keyword'; readonly keyword: StatementKeyword }
  | {
      readonly kind: 'cond';
      readonly negated: boolean;
      readonly filter: string;
      /** Index of the filter in the key text. */
      readonly filterStart: number;
    };

const KEYWORDS: ReadonlySet<string> = new Set([
  'only',
  'no',
  'del',
  'suffix',
  'join',
  'include',
  'variants',
]);

/** The `.cfg` fast-path operator search: leftmost match, alternatives in this order. */
const OPERATOR = /=|\+=|<=|~=|\?=|\?\+=|\?<=/;
const CONDITION = /^if[ \t]+/;
const NEGATION = /^not[ \t]+/;
/** Python's line boundaries: a key holding one could not be written in `.cfg` nor suffixed. */
// eslint-disable-next-line no-control-regex -- Python's line breaks include \x1c-\x1e.
const LINE_BREAK = /[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/**
 * Classifies a statement key, in this order:
 * 1. `KEY OP` (the key text ends with an operator, found as `.cfg` finds it: the leftmost
 *    match) is an assignment with that operator — the explicit form, for every operator and
 *    for keys that are keywords (`only =`) or start with `if `;
 * 2. `if FILTER` / `if not FILTER` is a condition;
 * 3. a statement keyword (`only`, `no`, `del`, `suffix`, `join`, `include`, `variants`);
 * 4. anything else is a plain `=` assignment to that key.
 * Keys are stripped like `.cfg` keys. Throws a `LineError` (position in `text`) for an operator
 * inside a key and for line breaks.
 */
export function classifyKey(text: string): StatementKey {
  const lineBreak = LINE_BREAK.exec(text);
  if (lineBreak) {
    throw new LineError('CFG_YAML_SHAPE', 'a statement key must be one line', lineBreak.index);
  }
  const op = OPERATOR.exec(text);
  if (op && pyStrip(text.slice(op.index + op[0].length)) === '') {
    return { kind: 'assign', key: pyStrip(text.slice(0, op.index)), op: op[0] as Operator };
  }
  const cond = CONDITION.exec(text);
  if (cond) {
    let start = cond[0].length;
    const neg = NEGATION.exec(text.slice(start));
    if (neg) start += neg[0].length;
    return {
      kind: 'cond',
      negated: neg !== null,
      filter: pyRstrip(text.slice(start)),
      filterStart: start,
    };
  }
  if (op) {
    throw new LineError(
      'CFG_YAML_SHAPE',
      `"${op[0]}" inside a key: write the operator at the end of the key ("KEY ${op[0]}": VALUE)`,
      op.index,
    );
  }
  if (KEYWORDS.has(text)) return { kind: 'keyword', keyword: text as StatementKeyword };
  return { kind: 'assign', key: pyStrip(text), op: '=' };
}
