/**
 * Lexer of one config line, after the reference: a line is classified by how it starts
 * (keyword, dash, assignment fast path) and the rest is char-lexed into identifiers,
 * whitespace runs, punctuation, operators and quoted strings.
 *
 * The reference lexes lazily, so a bad character only fails when the parser reaches it. Here
 * a line is lexed at once and a lexing failure becomes an `error` token at the place it
 * happened; the parser throws when (and only if) it consumes that token.
 */
import { pyIsAlnum, pyIsSpace, pyLstrip, pyRstrip } from './python-text.js';

export type TokenType =
  | 'variants'
  | 'dash'
  | 'only'
  | 'no'
  | 'del'
  | 'suffix'
  | 'join'
  | 'include'
  | 'ident'
  | 'white'
  | 'string'
  | 'colon'
  | 'dot'
  | 'at'
  | 'comma'
  | 'lbracket'
  | 'rbracket'
  | 'lparen'
  | 'rparen'
  | 'not'
  | 'op'
  | 'endl'
  | 'error';

/** Assignment operators. */
export type Operator = '=' | '+=' | '<=' | '~=' | '?=' | '?+=' | '?<=';

export interface Token {
  readonly type: TokenType;
  /** Identifier text, string value, operator, or the error message of an `error` token. */
  readonly value: string;
  /** Index (UTF-16) of the token's first character in the stripped line. */
  readonly pos: number;
  /** For `error` tokens: which error. */
  readonly errorCode?: 'CFG_UNEXPECTED_CHAR' | 'CFG_UNTERMINATED_QUOTE';
}

const PUNCTUATION: Readonly<Record<string, TokenType>> = {
  '.': 'dot',
  ':': 'colon',
  '@': 'at',
  ',': 'comma',
  '[': 'lbracket',
  ']': 'rbracket',
  '(': 'lparen',
  ')': 'rparen',
  '!': 'not',
};

/** Pending operator prefix → operator completed by `=`. */
const OPERATORS: Readonly<Record<string, Operator>> = {
  '': '=',
  '+': '+=',
  '<': '<=',
  '~': '~=',
  '?': '?=',
  '?+': '?+=',
  '?<': '?<=',
};
const OPERATOR_PREFIX_CHARS = '+<?~';

/** The fast-path operator search; alternatives in this order at each position, like Python's `re`. */
const ASSIGNMENT_OP = /=|\+=|<=|~=|\?=|\?\+=|\?<=/;

/** Keywords recognised at the start of a line, each followed by a space. */
const KEYWORDS: readonly (readonly [string, TokenType])[] = [
  ['only ', 'only'],
  ['no ', 'no'],
  ['del ', 'del'],
  ['suffix ', 'suffix'],
  ['join ', 'join'],
];

/**
 * Lexes one stripped line. `fast` is the reference's lexer mode: when on, a line without a
 * keyword whose first operator comes before its first colon is an assignment.
 */
export function lexLine(text: string, fast: boolean): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const c0 = text[0];
  if (c0 === 'v') {
    if (text.startsWith('variants:')) {
      tokens.push({ type: 'variants', value: 'variants', pos: 0 });
      tokens.push({ type: 'colon', value: ':', pos: 8 });
      pos = 9;
    } else if (text.startsWith('variants ')) {
      tokens.push({ type: 'variants', value: 'variants', pos: 0 });
      pos = 8;
    }
  } else if (c0 === '-') {
    tokens.push({ type: 'dash', value: '-', pos: 0 });
    pos = 1;
  } else if (c0 === 'i' && text.startsWith('include ')) {
    // The path is the rest of the line, spaces and '#' included.
    tokens.push({ type: 'include', value: 'include', pos: 0 });
    tokens.push({ type: 'string', value: pyLstrip(text.slice(7)), pos: 8 });
    tokens.push({ type: 'endl', value: '', pos: text.length });
    return tokens;
  } else {
    for (const [word, type] of KEYWORDS) {
      if (text.startsWith(word)) {
        tokens.push({ type, value: word.trimEnd(), pos: 0 });
        pos = word.length - 1;
        while (pos < text.length && pyIsSpace(text[pos] ?? '')) pos++;
        break;
      }
    }
  }

  if (fast && pos === 0) {
    const m = ASSIGNMENT_OP.exec(text);
    if (m) {
      const end = m.index + m[0].length;
      const colon = text.indexOf(':');
      if (colon < 0 || colon > end) {
        tokens.push({ type: 'ident', value: pyRstrip(text.slice(0, m.index)), pos: 0 });
        tokens.push({ type: 'op', value: m[0], pos: m.index });
        tokens.push({ type: 'string', value: pyLstrip(text.slice(end)), pos: end });
        tokens.push({ type: 'endl', value: '', pos: text.length });
        return tokens;
      }
    }
  }

  charLex(text, pos, tokens);
  return tokens;
}

/** The reference's character state machine, including its quirks (see cartesian-spec §4). */
function charLex(text: string, start: number, tokens: Token[]): void {
  let chars = '';
  let charsPos = start;
  let oper = '';
  let i = start;
  const flush = (): void => {
    if (chars !== '') {
      tokens.push({ type: 'ident', value: chars, pos: charsPos });
      chars = '';
    }
  };
  const nextChar = (at: number): string => {
    const cp = text.codePointAt(at);
    return cp === undefined ? '' : String.fromCodePoint(cp);
  };
  const fail = (
    at: number,
    message: string,
    errorCode: Token['errorCode'] = 'CFG_UNEXPECTED_CHAR',
  ): void => {
    tokens.push({ type: 'error', value: message, pos: at, errorCode });
  };

  while (i < text.length) {
    let ch = nextChar(i);
    if (isIdentChar(ch)) {
      if (chars === '') charsPos = i;
      chars += ch;
      i += ch.length;
      continue;
    }
    if (OPERATOR_PREFIX_CHARS.includes(ch)) {
      if (chars !== '') {
        flush();
        oper = '';
      }
      oper += ch;
      i += 1;
      continue;
    }
    flush();
    if (pyIsSpace(ch)) {
      const wsStart = i;
      while (i < text.length && pyIsSpace(nextChar(i))) i += nextChar(i).length;
      if (i >= text.length) {
        // Unreachable for rstripped lines; the reference would reject the space itself.
        fail(wsStart, `unexpected character ${JSON.stringify(ch)}`);
        return;
      }
      tokens.push({ type: 'white', value: ' ', pos: wsStart });
      ch = nextChar(i);
    }
    const at = i;
    i += ch.length;
    if (isIdentChar(ch)) {
      charsPos = at;
      chars += ch;
    } else if (ch === '=') {
      const op = OPERATORS[oper];
      if (op === undefined) {
        fail(at, `'${oper}=' is not an operator; operators are =, +=, <=, ~=, ?=, ?+= and ?<=`);
        return;
      }
      tokens.push({ type: 'op', value: op, pos: at - oper.length });
      oper = '';
    } else if (ch in PUNCTUATION) {
      tokens.push({ type: PUNCTUATION[ch] ?? 'error', value: ch, pos: at });
    } else if (ch === '"') {
      const close = text.indexOf('"', i);
      if (close < 0) {
        fail(at, 'unterminated quoted string', 'CFG_UNTERMINATED_QUOTE');
        return;
      }
      const quoted = text.slice(i, close);
      tokens.push({ type: 'string', value: quoted, pos: at });
      // Reference quirk: the quoted text stays pending and is emitted again as an identifier.
      chars = quoted;
      charsPos = at;
      i = close + 1;
    } else if (ch === '#') {
      break;
    } else if (OPERATOR_PREFIX_CHARS.includes(ch)) {
      oper += ch;
    } else {
      fail(
        at,
        ch === '\ufeff'
          ? 'unexpected byte-order mark (U+FEFF); save the file as UTF-8 without a BOM'
          : `unexpected character ${showChar(ch)}; special characters are allowed only in the value of an assignment`,
      );
      return;
    }
  }
  flush();
  tokens.push({ type: 'endl', value: '', pos: text.length });
}

/** A character for a message: visible ones quoted, others as U+XXXX. */
function showChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return cp > 0x20 && cp < 0x7f ? `"${ch}"` : `"${ch}" (${hex})`;
}

function isIdentChar(ch: string): boolean {
  return ch === '_' || ch === '-' || pyIsAlnum(ch);
}

/** How a token is named in error messages. */
export function describeToken(t: Token): string {
  switch (t.type) {
    case 'endl':
      return 'the end of the line';
    case 'white':
      return 'a space';
    case 'ident':
      return `"${t.value}"`;
    case 'string':
      return `the string "${t.value}"`;
    case 'op':
      return `the operator "${t.value}"`;
    default:
      return `"${t.value}"`;
  }
}
