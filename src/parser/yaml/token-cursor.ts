import type { Token } from '../lexer.js';
import { LineError, TokenReader } from '../token-reader.js';

/**
 * Reads the tokens of a lexed fragment the way `LineReader` reads a line (`TokenReader`): a
 * lexing error is thrown when it is reached, where the `.cfg` parser would fail.
 */
export class TokenCursor extends TokenReader {
  private i = 0;

  constructor(private readonly tokens: readonly Token[]) {
    super();
  }

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
}
