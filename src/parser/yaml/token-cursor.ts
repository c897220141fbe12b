import { describeToken, type Token, type TokenType } from '../lexer.js';
import { LineError } from '../line-error.js';

/**
 * Reads the tokens of a lexed fragment the way `LineReader` reads a line: a lexing error is
 * thrown when it is reached (where the `.cfg` parser would fail), and the `expect` helpers
 * throw `LineError`s with the position of the offending token.
 */
export class TokenCursor {
  private i = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  next(): Token {
    const t = this.tokens[this.i];
    if (t === undefined) {
      const last = this.tokens[this.tokens.length - 1];
      return { type: 'endl', value: '', pos: last?.pos ?? 0 };
    }
    this.i++;
    if (t.type === 'error') throw LineError.fromToken(t);
    return t;
  }

  nextNonWhite(): Token {
    let t = this.next();
    while (t.type === 'white') t = this.next();
    return t;
  }

  expect(types: readonly TokenType[], what: string): Token {
    return check(this.next(), types, what);
  }

  expectNonWhite(types: readonly TokenType[], what: string): Token {
    return check(this.nextNonWhite(), types, what);
  }

  /** Tokens up to and including the first of `end` (or the end of the text), every one checked. */
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

  /** The remaining tokens without the end; lexing errors are thrown on the way, as in `.cfg`. */
  rest(): Token[] {
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      if (t.type === 'endl') return out;
      out.push(t);
    }
  }
}

function check(t: Token, types: readonly TokenType[], what: string): Token {
  if (!types.includes(t.type)) {
    throw new LineError('CFG_SYNTAX', `expected ${what}, found ${describeToken(t)}`, t.pos);
  }
  return t;
}
