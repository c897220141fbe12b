/**
 * Prints a syntax tree as `.cfg` text that the `.cfg` parser reads back to the same tree. The
 * line rules that make this less than obvious (cartesian-spec §2–§5): a line is an assignment
 * only when its first operator comes before its first colon; a line starting with a keyword
 * and a space is that statement; values lose surrounding whitespace and one pair of quotes;
 * lines are stripped, split at Python line breaks and tab-expanded; `#` and `//` lines are
 * comments. What `.cfg` cannot express at all is a `CFG_YAML_SHAPE` error naming the
 * statement.
 */
import type { AstFile, AstStatement, AstVariants } from '../ast.js';
import { lexLine, type Operator } from '../lexer.js';
import { pyStrip } from '../python-text.js';
import type { AssignStatement, StatementSource } from '../tree.js';
import { filterSpelling } from './filter-spelling.js';
import { metaValueText } from './meta-value-text.js';
import type { PrintOptions } from './print-options.js';
import { unprintable } from './unprintable.js';

const INDENT = '    ';
const KEYWORDS = ['only', 'no', 'del', 'suffix', 'join', 'include', 'variants'];
const OPERATOR = /=|\+=|<=|~=|\?=|\?\+=|\?<=/;
/** Python's line boundaries, and the tab that `.cfg` expands to spaces. */
// eslint-disable-next-line no-control-regex -- Python's line breaks include \x1c-\x1e.
const NOT_IN_A_LINE = /[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029\t]/;

/** The `.cfg` text of a file's statements; includes stay includes (of `includePath(path)`). */
export function printCfg(ast: AstFile, options: PrintOptions = {}): string {
  const includePath = options.includePath ?? ((p: string) => p);
  const lines: string[] = [];

  const block = (statements: readonly AstStatement[], pad: string): void => {
    for (const st of statements) statement(st, pad);
  };

  const statement = (st: AstStatement, pad: string): void => {
    switch (st.kind) {
      case 'assign':
        lines.push(pad + assignment(st, false));
        return;
      case 'del':
        lines.push(`${pad}del ${st.key}`);
        return;
      case 'only':
      case 'no':
      case 'join': {
        // `only #` is how .cfg spells an empty filter: `#` ends a char-lexed line.
        lines.push(`${pad}${st.kind} ${filterSpelling(st.filter) || '#'}`);
        return;
      }
      case 'suffix':
        lines.push(`${pad}suffix ${st.suffix}`);
        return;
      case 'include': {
        const path = includePath(st.path);
        checkText(path, st.src, 'the include path');
        if (path === '' || pyStrip(path) !== path) {
          throw unprintable(
            '.cfg',
            st.src,
            `the include path "${path}" (empty, or spaces around it)`,
          );
        }
        lines.push(`${pad}include ${path}`);
        return;
      }
      case 'cond': {
        const header = condition(st.negated, filterSpelling(st.filter), st.src);
        // A key starting with `#` or `//` exists only as a condition's inline statement
        // (`a: # note = x`); as a line of its own it would be a comment.
        const [first, ...rest] = st.body;
        if (first?.kind === 'assign' && isCommentKey(first.key)) {
          lines.push(`${pad}${header} ${assignment(first, true)}`);
          block(rest, pad + INDENT);
        } else {
          lines.push(pad + header);
          block(st.body, pad + INDENT);
        }
        return;
      }
      case 'variants':
        variants(st, pad);
        return;
    }
  };

  const variants = (st: AstVariants, pad: string): void => {
    // A block without variants changes nothing, but its header would switch the lexer to
    // strict mode for the lines after it (cartesian-spec §4); leave it out.
    if (st.variants.length === 0) return;
    const parts = ['variants'];
    if (st.name !== '') parts.push(st.name);
    for (const m of st.meta) {
      parts.push(m.value === undefined ? `[${m.key}]` : `[${m.key}=${metaValueText(m.value)}]`);
    }
    lines.push(`${pad}${parts.join(' ')}:`);
    for (const v of st.variants) {
      const deps = v.deps === undefined ? '' : filterSpelling(v.deps);
      lines.push(`${pad}${INDENT}- ${v.at ? '@' : ''}${v.raw.join('')}:${deps && ` ${deps}`}`);
      block(v.body, pad + INDENT + INDENT);
    }
  };

  block(ast.statements, '');
  return lines.map((l) => `${l}\n`).join('');
}

/** `KEY OP VALUE`, checked by lexing it back as the parser will. */
function assignment(st: AssignStatement, inline: boolean): string {
  const { key, op, value, src } = st;
  checkText(key, src, `the key "${key}"`);
  checkText(value, src, `the value of "${key}"`);
  const why = keyProblem(key, inline);
  if (why !== undefined) throw unprintable('.cfg', src, `the key "${key}" ${why}`);
  // A keyword key is written against its operator (`only= x`): `only = x` is an only-filter.
  const glue = key === '' || KEYWORDS.includes(key) ? '' : ' ';
  const quoted = needsQuotes(value) ? `"${value}"` : value;
  const line = `${key}${glue}${op}${quoted === '' ? '' : ` ${quoted}`}`;
  if (!readsBack(line, key, op, value)) {
    throw unprintable('.cfg', src, `the assignment to "${key}"`);
  }
  return line;
}

function keyProblem(key: string, inline: boolean): string | undefined {
  if (pyStrip(key) !== key) return 'has spaces around it';
  if (key.includes('=') || key.includes(':')) return 'contains "=" or ":"';
  if (key.startsWith('-')) return 'starts with "-" (a variant line)';
  if (!inline && isCommentKey(key)) return 'starts a comment';
  if (KEYWORDS.some((k) => key.startsWith(`${k} `))) return 'starts with a keyword and a space';
  return undefined;
}

function isCommentKey(key: string): boolean {
  return key.startsWith('#') || key.startsWith('//');
}

/** A value keeps its text only inside quotes if it has outer spaces or outer matching quotes. */
function needsQuotes(value: string): boolean {
  if (pyStrip(value) !== value) return true;
  const q = value[0];
  return (q === '"' || q === "'") && value[value.length - 1] === q;
}

/** The fast path of the lexer reads `line` as exactly this assignment. */
function readsBack(line: string, key: string, op: Operator, value: string): boolean {
  const [k, o, v, end] = lexLine(line, true);
  if (k?.type !== 'ident' || o?.type !== 'op' || v?.type !== 'string' || end?.type !== 'endl') {
    return false;
  }
  let text = v.value;
  const q = text[0];
  if ((q === '"' || q === "'") && text[text.length - 1] === q) text = text.slice(1, -1);
  return k.value === key && o.value === op && text === value;
}

/** `FILTER:` or `!FILTER:`, if the line is read as that condition. */
function condition(negated: boolean, spelling: string, src: StatementSource): string {
  if (spelling === '') throw unprintable('.cfg', src, 'a condition without a filter');
  const line = `${negated ? '!' : ''}${spelling}:`;
  const op = OPERATOR.exec(line);
  if (op && op.index < line.indexOf(':')) {
    throw unprintable(
      '.cfg',
      src,
      `the condition "${spelling}": a "=" before the colon makes the line an assignment, so ` +
        'conditions on named variants ("(name=value)") cannot be written in .cfg',
    );
  }
  if (!negated && (spelling.startsWith('-') || spelling === 'variants')) {
    throw unprintable(
      '.cfg',
      src,
      `the condition "${spelling}" (the line would be another statement)`,
    );
  }
  return line;
}

/** Line breaks cannot be in a `.cfg` line, and tabs would turn into spaces. */
function checkText(text: string, src: StatementSource, what: string): void {
  const m = NOT_IN_A_LINE.exec(text);
  if (m) {
    const ch =
      m[0] === '\t'
        ? 'a tab'
        : `a line break (U+${(m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')})`;
    throw unprintable('.cfg', src, `${what} contains ${ch}`);
  }
}
