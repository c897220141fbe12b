import type { ConfigErrorCode } from '../errors.js';
import { describeToken, type Token, type TokenType } from './lexer.js';

/**
 * A syntax error inside the line being parsed, with the position in that line. The parser
 * turns it into a ConfigError with the file, line and column.
 */
export class LineError extends Error {
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    /** UTF-16 index in the stripped line text. */
    readonly pos: number,
  ) {
    super(message);
  }

  static fromToken(t: Token): LineError {
    return new LineError(t.errorCode ?? 'CFG_SYNTAX', t.value, t.pos);
  }
}

function check(t: Token, types: readonly TokenType[], what: string): Token {
  if (!types.includes(t.type)) {
    throw new LineError('CFG_SYNTAX', `expected ${what}, found ${describeToken(t)}`, t.pos);
  }
  return t;
}

/**
 * The token-reading helpers of the reference's `Parser` (`get_next_check`, `get_until`, …) over
 * any source of tokens: a line of a `.cfg` file (`LineReader`) or a lexed YAML fragment
 * (`TokenCursor`). `next` yields `endl` at the end and throws a lexing error when it reaches it,
 * where the reference fails; the helpers throw `LineError`s at the offending token.
 */
export abstract class TokenReader {
  abstract next(): Token;

  nextNonWhite(): Token {
    let t = this.next();
    while (t.type === 'white') t = this.next();
    return t;
  }

  /** `get_next_check`: the next token must be one of `types`. */
  expect(types: readonly TokenType[], what: string): Token {
    return check(this.next(), types, what);
  }

  /** `get_next_check_nw`: like expect, whitespace skipped. */
  expectNonWhite(types: readonly TokenType[], what: string): Token {
    return check(this.nextNonWhite(), types, what);
  }

  /** `get_until_no_white`: tokens up to and including the first of `end`, whitespace dropped. */
  untilNoWhite(end: readonly TokenType[]): Token[] {
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      if (t.type !== 'white') out.push(t);
      if (end.includes(t.type) || t.type === 'endl') return out;
    }
  }

  /** `get_until`: tokens up to and including the first of `end`, whitespace kept. */
  until(end: readonly TokenType[]): Token[] {
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      out.push(t);
      if (end.includes(t.type) || t.type === 'endl') return out;
    }
  }

  /** `get_until_check`: like `until`, but every token before the end must be one of `allowed`. */
  untilChecked(allowed: readonly TokenType[], end: readonly TokenType[], what: string): Token[] {
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      if (!allowed.includes(t.type) && !end.includes(t.type)) {
        throw new LineError('CFG_SYNTAX', `${what}, found ${describeToken(t)}`, t.pos);
      }
      out.push(t);
      if (end.includes(t.type)) return out;
    }
  }

  /** `rest_line`: the remaining tokens, without the end. */
  restOfLine(): Token[] {
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      if (t.type === 'endl') return out;
      out.push(t);
    }
  }
}
