/**
 * The Cartesian config parser: turns files and strings into the parse DAG, statement by
 * statement, with the reference's block, lexer-mode and error rules (cartesian-spec §2–§6).
 */
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, type ConfigErrorCode, type RelatedLocation } from '../errors.js';
import { nodeConfigFs, type ConfigFs } from './config-fs.js';
import { readConfigLines, type ConfigLine } from './config-lines.js';
import { includeRelated, lineLocation } from './source-location-of.js';
import { makeLabel, parseFilter } from './filter.js';
import type { Operator, Token } from './lexer.js';
import { LineError } from './line-error.js';
import { LineReader } from './line-reader.js';
import { pyLstrip } from './python-text.js';
import {
  TreeNode,
  type ConditionStatement,
  type IncludeSite,
  type Statement,
  type StatementSource,
  type SuffixStatement,
} from './tree.js';

export interface ParserOptions {
  /** Defaults mode (`-d`): only the default variant of each block is expanded when it yields. */
  defaults?: boolean;
  /** Names of blocks that get no default in defaults mode (`-e`). */
  expandDefaults?: readonly string[];
  /** Directory that relative paths are resolved against. @default process.cwd() */
  cwd?: string;
  fs?: ConfigFs;
  /**
   * Receives every error found; parsing goes on after recoverable ones so that all are
   * reported at once. @default throws the first error
   */
  onError?: (error: ConfigError) => void;
  /** Deepest include nesting allowed. @default 64 */
  maxIncludeDepth?: number;
}

type Container = TreeNode | ConditionStatement;

function contentOf(c: Container): Statement[] {
  return c instanceof TreeNode ? c.content : c.body;
}

const BLOCK_STATEMENT = [
  'variants',
  'ident',
  'only',
  'no',
  'include',
  'del',
  'not',
  'suffix',
  'join',
] as const;

/** Parses config files and strings into one tree, like the reference's `Parser`. */
export class CartesianParser {
  /** The current root of the DAG; each variants block wraps the previous root. */
  root = new TreeNode();
  readonly defaults: boolean;
  readonly expandDefaults: readonly string[];
  private readonly cwd: string;
  private readonly fs: ConfigFs;
  private readonly onError: (error: ConfigError) => void;
  private readonly maxIncludeDepth: number;
  private errorCount = 0;

  constructor(options: ParserOptions = {}) {
    this.defaults = options.defaults ?? false;
    this.expandDefaults = options.expandDefaults ?? [];
    this.cwd = options.cwd ?? process.cwd();
    this.fs = options.fs ?? nodeConfigFs;
    this.onError =
      options.onError ??
      ((e) => {
        throw e;
      });
    this.maxIncludeDepth = options.maxIncludeDepth ?? 64;
  }

  /** Number of errors reported so far; the tree must not be expanded when it is not 0. */
  get errors(): number {
    return this.errorCount;
  }

  /** Parses a file as a new top level appended to the tree. */
  parseFile(path: string): void {
    const abs = resolve(this.cwd, path);
    let text: string;
    try {
      text = this.fs.readText(abs);
    } catch (e) {
      if (e instanceof ConfigError) {
        this.report(
          new ConfigError(e.code, e.message, { location: { file: path, line: 0, column: 0 } }),
        );
        return;
      }
      throw e;
    }
    const reader = new LineReader(readConfigLines(text), path, true, [this.fs.realpath(abs)], []);
    this.root = this.asNode(this.parseBlock(reader, this.root, -1));
  }

  /** Parses config text as a new top level (the reference's `parse_string`). */
  parseString(text: string): void {
    const reader = new LineReader(readConfigLines(text), '<string>', false, [], []);
    this.root = this.asNode(this.parseBlock(reader, this.root, -1));
  }

  /** `only FILTER` appended as config text. */
  onlyFilter(filter: string): void {
    this.parseString(`only ${filter}`);
  }

  /** `no FILTER` appended as config text. */
  noFilter(filter: string): void {
    this.parseString(`no ${filter}`);
  }

  /** `KEY = VALUE` appended as config text. */
  assign(key: string, value: string): void {
    this.parseString(`${key} = ${value}`);
  }

  private asNode(c: Container): TreeNode {
    if (c instanceof TreeNode) return c;
    throw new Error('a top level cannot end inside a condition');
  }

  private report(error: ConfigError): void {
    this.errorCount++;
    this.onError(error);
  }

  private lineError(reader: LineReader, e: LineError): ConfigError {
    const strict = reader.lexedStrictly;
    const hint =
      strict !== undefined && /^[^:]*?(=|\+=|<=|~=|\?=|\?\+=|\?<=)/.test(reader.line.text)
        ? `the variants block at ${strict.file}:${strict.line.linenum} has no variants; after such an ` +
          'empty block the reference parser reads assignments in strict mode, where they fail. ' +
          'Give the block variants or remove it.'
        : undefined;
    return this.errorAt(reader, e.code, e.message, e.pos, hint === undefined ? {} : { hint });
  }

  private errorAt(
    reader: LineReader,
    code: ConfigErrorCode,
    message: string,
    pos: number,
    extra: { hint?: string; related?: RelatedLocation[] } = {},
  ): ConfigError {
    return new ConfigError(code, message, {
      location: lineLocation(reader.file, reader.line, pos),
      related: [...(extra.related ?? []), ...includeRelated(reader.includedFrom)],
      ...(extra.hint === undefined ? {} : { hint: extra.hint }),
    });
  }

  /**
   * The reference's `_parse`: statements of one block (lines indented deeper than
   * `prevIndent`) go into `container`; a variants block replaces the current node.
   */
  private parseBlock(reader: LineReader, container: Container, prevIndent: number): Container {
    reader.fast = true;
    let node = container;
    let suffix: SuffixStatement | undefined;
    // Set by a `variants` header: the next line must be the block's first variant.
    let header: VariantsHeader | undefined;
    for (;;) {
      const line = reader.readLine(prevIndent);
      if (line === null) {
        if (suffix !== undefined) contentOf(node).push(suffix);
        return node;
      }
      try {
        const tok = reader.next();
        if (header !== undefined) {
          if (tok.type !== 'dash') {
            throw new LineError(
              'CFG_SYNTAX',
              `expected a variant ("- name:") after the variants line ${header.line.linenum}`,
              tok.pos,
            );
          }
          const h = header;
          header = undefined;
          node = this.parseVariants(reader, this.asNode(node), h);
          continue;
        }
        if (!(BLOCK_STATEMENT as readonly string[]).includes(tok.type)) {
          throw new LineError(
            'CFG_SYNTAX',
            tok.type === 'dash'
              ? 'a variant line ("- name:") outside of a variants block (or indented differently from its block)'
              : tok.type === 'endl'
                ? 'expected a statement; "#" after the colon of a condition is not a comment'
                : `a statement cannot start with "${tok.value}"`,
            tok.pos,
          );
        }
        switch (tok.type) {
          case 'ident':
            this.parseAssignmentOrCondition(reader, node, tok, line);
            break;
          case 'not':
            this.parseNegativeCondition(reader, node, line);
            break;
          case 'only':
          case 'no':
            contentOf(node).push({
              kind: tok.type,
              filter: parseFilter(reader.restOfLine()),
              src: reader.source,
            });
            break;
          case 'join':
            contentOf(node).push({
              kind: 'join',
              filter: parseFilter(reader.restOfLine()),
              src: reader.source,
            });
            break;
          case 'suffix': {
            const name = reader.expect(['ident'], 'a suffix name');
            reader.expect(
              ['endl'],
              'the end of the line after the suffix (no comment allowed here)',
            );
            // The last suffix of a block wins; it applies when the block ends.
            suffix = { kind: 'suffix', suffix: name.value, src: reader.source };
            break;
          }
          case 'del': {
            const name = reader.expectNonWhite(['ident'], 'one parameter name');
            reader.expectNonWhite(
              ['endl'],
              'the end of the line (del takes a single name made of letters, digits, "_" and "-")',
            );
            contentOf(node).push({ kind: 'del', key: name.value, src: reader.source });
            break;
          }
          case 'include':
            node = this.parseInclude(reader, node);
            break;
          case 'variants':
            if (!(node instanceof TreeNode)) {
              throw new LineError(
                'CFG_VARIANTS_IN_CONDITION',
                "'variants' is not allowed inside a conditional block",
                tok.pos,
              );
            }
            header = this.parseVariantsHeader(reader, line);
            break;
          default:
            throw new LineError('CFG_SYNTAX', `unexpected "${tok.value}"`, tok.pos);
        }
      } catch (e) {
        if (!(e instanceof LineError)) throw e;
        this.report(this.lineError(reader, e));
        reader.skipDeeperThan(line.indent);
      }
    }
  }

  private parseAssignmentOrCondition(
    reader: LineReader,
    node: Container,
    first: Token,
    line: ConfigLine,
  ): void {
    const rest = reader.untilNoWhite(['op', 'colon', 'endl']);
    const last = rest[rest.length - 1];
    if (last?.type === 'op') {
      const key =
        rest.length === 1
          ? first.value
          : [first, ...rest.slice(0, -1)].map((t) => t.value).join('');
      const valueTok = reader.expect(['string'], 'a value after the operator');
      let value = valueTok.value;
      if (value.length >= 2 || value.length === 1) {
        const q = value[0];
        if ((q === '"' || q === "'") && value[value.length - 1] === q) value = value.slice(1, -1);
      }
      reader.expect(['endl'], 'the end of the line');
      contentOf(node).push({
        kind: 'assign',
        op: last.value as Operator,
        key,
        value,
        src: reader.source,
      });
      return;
    }
    if (last?.type === 'colon') {
      const filter = parseFilter([first, ...rest.slice(0, -1)]);
      this.parseConditionBody(reader, node, line, filter, false, last.pos);
      return;
    }
    throw new LineError(
      'CFG_SYNTAX',
      'expected ":" (a condition) or an operator (an assignment)',
      last?.pos ?? line.text.length,
    );
  }

  private parseNegativeCondition(reader: LineReader, node: Container, line: ConfigLine): void {
    const toks = reader.untilNoWhite(['colon', 'endl']);
    const last = toks[toks.length - 1];
    const filter = parseFilter(toks.slice(0, -1));
    if (last?.type !== 'colon') {
      throw new LineError(
        'CFG_NEGATION_WITHOUT_COLON',
        'a negative condition needs a colon: "!filter:"',
        last?.pos ?? line.text.length,
      );
    }
    this.parseConditionBody(reader, node, line, filter, true, last.pos);
  }

  private parseConditionBody(
    reader: LineReader,
    node: Container,
    line: ConfigLine,
    filter: ConditionStatement['filter'],
    negated: boolean,
    colonPos: number,
  ): void {
    const src = reader.source;
    const after = reader.textAfter(colonPos + 1);
    const inline = pyLstrip(after);
    if (inline !== '') {
      reader.storeInline(
        inline,
        line.indent + 1,
        line,
        colonPos + 1 + (after.length - inline.length),
      );
    }
    const cond: ConditionStatement = { kind: 'cond', negated, filter, body: [], src };
    this.parseBlock(reader, cond, line.indent);
    contentOf(node).push(cond);
  }

  private parseInclude(reader: LineReader, node: Container): Container {
    const pathTok = reader.next();
    const raw = pathTok.value;
    let path = expandUser(raw);
    if (reader.isFile && !isAbsolute(path)) path = pyJoin(pyDirname(reader.file), path);
    const abs = resolve(this.cwd, path);
    if (!this.fs.isFile(abs)) {
      throw new LineError(
        'CFG_MISSING_INCLUDE',
        `include: ${path} does not exist or is not a regular file` +
          (raw.includes('#') ? ' (a "#" after include is part of the path, not a comment)' : ''),
        pathTok.pos,
      );
    }
    const real = this.fs.realpath(abs);
    const site: IncludeSite = { file: reader.file, line: reader.line };
    if (reader.includeChain.includes(real)) {
      const chain = [...reader.includeChain.slice(reader.includeChain.indexOf(real)), real];
      throw new LineError(
        'CFG_INCLUDE_LOOP',
        `include loop: ${chain.map((p) => displayPath(p, this.cwd)).join(' -> ')}`,
        pathTok.pos,
      );
    }
    if (reader.includeChain.length > this.maxIncludeDepth) {
      throw new LineError(
        'CFG_INCLUDE_DEPTH',
        `includes nested deeper than ${this.maxIncludeDepth} files`,
        pathTok.pos,
      );
    }
    let text: string;
    try {
      text = this.fs.readText(abs);
    } catch (e) {
      if (e instanceof ConfigError) throw new LineError(e.code, e.message, pathTok.pos);
      throw e;
    }
    const child = new LineReader(
      readConfigLines(text),
      path,
      true,
      [...reader.includeChain, real],
      [site, ...reader.includedFrom],
    );
    return this.parseBlock(child, node, -1);
  }

  private parseVariantsHeader(reader: LineReader, line: ConfigLine): VariantsHeader {
    reader.strict(line);
    const toks = reader.untilNoWhite(['lbracket', 'colon', 'ident', 'endl']);
    let last = toks[toks.length - 1] as Token;
    let name = '';
    const defaults: Token[][] = [];
    let sawMeta = false;
    while (last.type !== 'colon' && last.type !== 'endl') {
      if (last.type === 'ident') {
        if (name !== '') {
          throw new LineError(
            'CFG_SYNTAX',
            'expected "[" or ":" (a block has at most one name)',
            last.pos,
          );
        }
        if (sawMeta) {
          throw new LineError(
            'CFG_SYNTAX',
            'the block name must come before its [meta] data',
            last.pos,
          );
        }
        // Reference quirk: the name is the first token read, even if junk preceded it.
        name = (toks[0] as Token).value;
      } else {
        sawMeta = true;
        const key = reader.expectNonWhite(['ident'], 'a name after "["');
        const sep = reader.expectNonWhite(['op', 'rbracket'], '"=" or "]"');
        if (sep.type === 'op' && sep.value !== '=') {
          throw new LineError(
            'CFG_SYNTAX',
            `expected "=" or "]", found the operator "${sep.value}"`,
            sep.pos,
          );
        }
        if (sep.type === 'rbracket') {
          if (key.value === 'default') {
            throw new LineError('CFG_SYNTAX', 'expected [default=NAME]', key.pos);
          }
        } else {
          const value = reader.untilNoWhite(['rbracket', 'endl']);
          const end = value[value.length - 1];
          if (end?.type !== 'rbracket') {
            throw new LineError('CFG_SYNTAX', 'expected "]" to close the meta data', end?.pos ?? 0);
          }
          if (key.value === 'default') defaults.push(value.slice(0, -1));
        }
      }
      last = reader.expectNonWhite(['lbracket', 'colon', 'ident', 'endl'], '"[", ":" or a name');
    }
    if (last.type === 'endl') {
      throw new LineError('CFG_SYNTAX', 'expected ":" at the end of the variants line', last.pos);
    }
    reader.expectNonWhite(['endl'], 'the end of the line after "variants ...:"');
    return { line, name, defaults, file: reader.file };
  }

  /** Parses the variants of a block; the first dash has been read. Returns the block node. */
  private parseVariants(reader: LineReader, previous: TreeNode, header: VariantsHeader): TreeNode {
    const block = new TreeNode();
    const firstIndent = reader.line.indent;
    const varName = header.name;
    const defaultsLeft = [...header.defaults];
    const markDefault = !this.expandDefaults.includes(varName);
    let alreadyDefault = false;
    let needDash = false; // the first dash was read by parseBlock
    for (;;) {
      if (needDash && reader.readLine(header.line.indent) === null) break;
      const dashLine = reader.line;
      try {
        if (needDash) {
          reader.expectNonWhite(
            ['dash'],
            `a variant ("- name:"); lines of a variant body must be indented deeper than its first variant (column ${firstIndent + 1})`,
          );
        }
        needDash = true;
        const src = reader.source;
        const t = reader.expectNonWhite(['ident', 'at'], 'a variant name or "@"');
        let isDefault: boolean;
        let nameToks: Token[];
        const nameMsg =
          'expected a variant name (letters, digits, "_", "-", ".") directly followed by ":"';
        if (t.type === 'at') {
          isDefault = true;
          nameToks = reader.untilChecked(['ident', 'dot'], ['colon'], nameMsg);
        } else {
          isDefault = false;
          nameToks = [t, ...reader.untilChecked(['ident', 'dot'], ['colon'], nameMsg)];
        }
        let rawName: Token[];
        let names: Token[];
        if (nameToks.length === 2) {
          names = [nameToks[0] as Token];
          rawName = names;
        } else {
          rawName = nameToks.slice(0, -1);
          names = rawName.filter((x) => x.type === 'ident');
        }
        const afterColon = reader.nextNonWhite();
        const deps =
          afterColon.type === 'endl'
            ? undefined
            : parseFilter([afterColon, ...reader.until(['endl'])]);

        const body = new TreeNode();
        body.children = [previous];
        const joined = names.map((n) => n.value).join('.');
        if (varName !== '') {
          body.content.push({ kind: 'assign', op: '=', key: varName, value: joined, src });
        }
        const variant = this.asNode(this.parseBlock(reader, body, firstIndent));
        variant.name = names.map((n) => makeLabel(n.value, varName === '' ? undefined : varName));
        if (varName !== '') variant.varName = varName;
        variant.dep = deps;
        variant.src = src;
        const match = defaultsLeft.findIndex((wd) => tokensAgree(wd, rawName));
        if (match >= 0) {
          isDefault = true;
          defaultsLeft.splice(match, 1);
        }
        if (isDefault && !alreadyDefault && markDefault) {
          variant.isDefault = true;
          alreadyDefault = true;
        }
        variant.appendToShortname = !isDefault;
        variant.content.push({
          kind: 'mapfile',
          file: reader.file === '<string>' ? '<string>' : pyBasename(reader.file),
          long: variant.name.map((l) => l.long).join('.'),
          short: joined,
        });
        if (variant.isDefault && this.defaults) block.children.unshift(variant);
        else block.children.push(variant);
      } catch (e) {
        if (!(e instanceof LineError)) throw e;
        this.report(this.lineError(reader, e));
        reader.skipDeeperThan(dashLine.indent);
      }
    }
    if (defaultsLeft.length > 0) {
      const missing = defaultsLeft.map((wd) => wd.map((x) => x.value).join('')).join(', ');
      this.report(
        new ConfigError(
          'CFG_MISSING_DEFAULT',
          `no variant of this block matches [default=${missing}]`,
          {
            location: lineLocation(header.file, header.line, 0),
            related: includeRelated(reader.includedFrom),
          },
        ),
      );
    }
    return block;
  }
}

interface VariantsHeader {
  readonly line: ConfigLine;
  readonly name: string;
  /** Token lists of each `[default=…]`. */
  readonly defaults: Token[][];
  readonly file: string;
}

/** The reference's `cmd_tokens`: token lists agree over their common length. */
function tokensAgree(a: readonly Token[], b: readonly Token[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as Token;
    const y = b[i] as Token;
    const xs = x.type === 'ident' || x.type === 'string';
    const ys = y.type === 'ident' || y.type === 'string';
    if (xs !== ys) return false;
    if (xs ? x.value !== y.value : x.type !== y.type) return false;
  }
  return true;
}

function expandUser(p: string): string {
  if (p === '~' || p.startsWith('~/')) return homedir() + p.slice(1);
  return p;
}

/** `os.path.dirname`. */
function pyDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head !== '' && !/^\/+$/.test(head)) head = head.replace(/\/+$/, '');
  return head;
}

/** `os.path.join(a, b)` for two parts: no normalisation, so messages show paths as Python would. */
function pyJoin(a: string, b: string): string {
  if (b.startsWith('/') || a === '') return b;
  return a.endsWith('/') ? a + b : `${a}/${b}`;
}

/** `os.path.basename`. */
function pyBasename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function displayPath(real: string, cwd: string): string {
  return real.startsWith(cwd + '/') ? real.slice(cwd.length + 1) : real;
}

export type { Statement, StatementSource };
