/**
 * Filters (`only`, `no`, conditions, `join` operands, variant deps): a list of words (OR) of
 * blocks (AND, `..`) of labels that must follow each other immediately (`.`).
 */
import { describeToken, type Token } from './lexer.js';
import { LineError } from './token-reader.js';

/** A label in a filter: `name`, or `(var=name)` which only matches variants of block `var`. */
export interface FilterLabel {
  readonly name: string;
  readonly varName: string | undefined;
  /** How the label prints: `name` or `(var=name)`. */
  readonly text: string;
}

export type FilterBlock = readonly FilterLabel[];
export type FilterWord = readonly FilterBlock[];

export interface Filter {
  readonly words: readonly FilterWord[];
}

/** A label of a variant on a dict's path (its `name`). */
export interface CtxLabel {
  readonly name: string;
  readonly varName: string | undefined;
  /** `name`, or `(var=name)` for a variant of a named block. */
  readonly long: string;
}

export function makeLabel(name: string, varName?: string): FilterLabel & CtxLabel {
  const text = varName === undefined ? name : `(${varName}=${name})`;
  return { name, varName, text, long: text };
}

/**
 * Parses filter tokens with the reference's state machine (cartesian-spec §6), quirks
 * included: whitespace separates words like `,`, trailing `,` and dots are ignored, and
 * `a .b` yields an empty block that fails only when evaluated.
 */
export function parseFilter(tokens: readonly Token[]): Filter {
  const words: FilterWord[] = [];
  let andBlocks: FilterLabel[][] = [];
  let block: FilterLabel[] = [];
  let dots = 1;
  let i = 0;
  const endPos = tokens.length > 0 ? (tokens[tokens.length - 1]?.pos ?? 0) : 0;
  const next = (): Token => tokens[i++] ?? { type: 'endl', value: '', pos: endPos };
  const nextNonWhite = (): Token => {
    let t = next();
    while (t.type === 'white') t = next();
    return t;
  };
  const expect = (t: Token, allowed: readonly Token['type'][], what: string): Token => {
    if (t.type === 'error') throw LineError.fromToken(t);
    if (!allowed.includes(t.type)) {
      throw new LineError(
        'CFG_SYNTAX',
        `expected ${what} in filter, found ${describeToken(t)}`,
        t.pos,
      );
    }
    return t;
  };

  let tok = expect(next(), ['ident', 'lparen', 'endl', 'white'], 'a variant name');
  while (tok.type !== 'endl') {
    if (tok.type === 'ident' || tok.type === 'lparen') {
      let label: FilterLabel;
      if (tok.type === 'lparen') {
        const ident = expect(nextNonWhite(), ['ident'], 'a name after "("');
        const sep = expect(nextNonWhite(), ['op', 'rparen'], '"=" or ")"');
        if (sep.type === 'rparen') {
          label = makeLabel(ident.value);
        } else {
          if (sep.value !== '=') {
            throw new LineError(
              'CFG_SYNTAX',
              `expected "=" or ")" in filter, found ${describeToken(sep)}`,
              sep.pos,
            );
          }
          const value = expect(nextNonWhite(), ['ident', 'string'], 'a variant name after "="');
          expect(nextNonWhite(), ['rparen'], '")"');
          label = makeLabel(value.value, ident.value);
        }
      } else {
        label = makeLabel(tok.value);
      }
      if (dots === 1) {
        block.push(label);
      } else if (dots === 2) {
        andBlocks.push(block);
        block = [label];
      } else {
        throw new LineError(
          'CFG_SYNTAX',
          dots === 0
            ? `expected "." between "${block.map((l) => l.text).join('.') || '?'}" and "${label.text}" (a condition cannot list names separated by spaces; use ",")`
            : `too many dots before "${label.text}": use "." (immediately followed by) or ".." (and)`,
          tok.pos,
        );
      }
      dots = 0;
    } else if (tok.type === 'dot') {
      dots += 1;
    } else if (tok.type === 'comma' || tok.type === 'white') {
      if (dots > 0) {
        throw new LineError(
          'CFG_SYNTAX',
          `expected a variant name before ${tok.type === 'comma' ? '","' : 'the space'}`,
          tok.pos,
        );
      }
      if (andBlocks.length > 0) {
        if (block.length > 0) andBlocks.push(block);
        words.push(andBlocks);
        andBlocks = [];
        block = [];
      } else if (block.length > 0) {
        words.push([block]);
        block = [];
      }
      dots = 1;
      tok = expect(nextNonWhite(), ['ident', 'comma', 'dot', 'lparen', 'endl'], 'a variant name');
      continue;
    }
    tok = expect(
      next(),
      ['ident', 'comma', 'dot', 'lparen', 'endl', 'white'],
      '",", "." or a name',
    );
  }
  if (andBlocks.length > 0) {
    if (block.length > 0) andBlocks.push(block);
    words.push(andBlocks);
    block = [];
  }
  if (block.length > 0) words.push([block]);
  return { words };
}

/** Prints a filter the way it would be written. */
export function filterText(f: Filter): string {
  return f.words.map((w) => w.map((b) => b.map((l) => l.text).join('.')).join('..')).join(', ');
}
