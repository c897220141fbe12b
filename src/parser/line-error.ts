import type { ConfigErrorCode } from '../errors.js';
import type { Token } from './lexer.js';

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
