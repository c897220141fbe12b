/**
 * The Cartesian config parser: turns files and strings into the parse DAG, statement by
 * statement, with the reference's block, lexer-mode and error rules (cartesian-spec §2–§6).
 */
import { ConfigError, type ConfigErrorCode, type RelatedLocation } from '../errors.js';
import {
  type AstCondition,
  type AstFile,
  type AstInclude,
  type AstMeta,
  type AstStatement,
  type AstVariant,
  type AstVariants,
  matchDefaults,
} from './ast.js';
import type { ConfigFs } from './config-fs.js';
import { type ConfigLine, includeRelated, lineLocation, readConfigLines } from './config-lines.js';
import { type Filter, parseFilter } from './filter.js';
import type { Operator, Token } from './lexer.js';
import { LineReader } from './line-reader.js';
import { pyLstrip } from './python-text.js';
import { resolveInclude } from './resolve-include.js';
import { LineError } from './token-reader.js';
import type { IncludeSite, StatementSource } from './tree.js';

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

/**
 * Reads Cartesian config files and strings into syntax trees (`AstFile`), with the reference's
 * block, lexer-mode and error rules. Includes are parsed as they are met (a loop or a missing
 * file is an error at the include line).
 */
export class CfgParser {
  private readonly cwd: string;
  private readonly fs: ConfigFs;
  private readonly report: (error: ConfigError) => void;
  private readonly maxIncludeDepth: number;
  private readonly loadInclude: IncludeLoader | undefined;

  constructor(options: CfgParserOptions) {
    this.cwd = options.cwd;
    this.fs = options.fs;
    this.report = options.report;
    this.maxIncludeDepth = options.maxIncludeDepth ?? 64;
    this.loadInclude = options.loadInclude;
  }

  /** Parses config text; `file` is how it is named in messages (`<string>` for strings). */
  parseText(text: string, file: string, context: IncludeContext = NO_CONTEXT): AstFile {
    const reader = new LineReader(
      readConfigLines(text),
      file,
      file !== '<string>',
      context.chain,
      context.includedFrom,
    );
    const statements: AstStatement[] = [];
    this.parseBlock(reader, statements, -1, false);
    return { path: file, statements };
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
  private parseBlock(
    reader: LineReader,
    out: AstStatement[],
    prevIndent: number,
    inCondition: boolean,
  ): void {
    reader.fast = true;
    // Set by a `variants` header: the next line must be the block's first variant.
    let header: VariantsHeader | undefined;
    for (;;) {
      const line = reader.readLine(prevIndent);
      if (line === null) return;
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
          out.push(this.parseVariants(reader, h));
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
            this.parseAssignmentOrCondition(reader, out, tok, line);
            break;
          case 'not':
            this.parseNegativeCondition(reader, out, line);
            break;
          case 'only':
          case 'no':
            out.push({
              kind: tok.type,
              filter: parseFilter(reader.restOfLine()),
              src: reader.source,
            });
            break;
          case 'join':
            out.push({
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
            out.push({ kind: 'suffix', suffix: name.value, src: reader.source });
            break;
          }
          case 'del': {
            const name = reader.expectNonWhite(['ident'], 'one parameter name');
            reader.expectNonWhite(
              ['endl'],
              'the end of the line (del takes a single name made of letters, digits, "_" and "-")',
            );
            out.push({ kind: 'del', key: name.value, src: reader.source });
            break;
          }
          case 'include':
            out.push(this.parseInclude(reader));
            break;
          case 'variants':
            if (inCondition) {
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
    out: AstStatement[],
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
      out.push({
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
      this.parseConditionBody(reader, out, line, filter, false, last.pos);
      return;
    }
    throw new LineError(
      'CFG_SYNTAX',
      'expected ":" (a condition) or an operator (an assignment)',
      last?.pos ?? line.text.length,
    );
  }

  private parseNegativeCondition(reader: LineReader, out: AstStatement[], line: ConfigLine): void {
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
    this.parseConditionBody(reader, out, line, filter, true, last.pos);
  }

  private parseConditionBody(
    reader: LineReader,
    out: AstStatement[],
    line: ConfigLine,
    filter: Filter,
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
    const cond: AstCondition = { kind: 'cond', negated, filter, body: [], src };
    this.parseBlock(reader, cond.body, line.indent, true);
    out.push(cond);
  }

  private parseInclude(reader: LineReader): AstInclude {
    const src = reader.source;
    const pathTok = reader.next();
    const raw = pathTok.value;
    const { path, abs, real } = resolveInclude(
      raw,
      { file: reader.file, isFile: reader.isFile, chain: reader.includeChain },
      this.cwd,
      this.fs,
      this.maxIncludeDepth,
      pathTok.pos,
    );
    const context: IncludeContext = {
      chain: [...reader.includeChain, real],
      includedFrom: [{ file: reader.file, line: reader.line }, ...reader.includedFrom],
    };
    let file: AstFile;
    try {
      file =
        this.loadInclude !== undefined
          ? this.loadInclude(abs, path, context)
          : this.parseText(this.fs.readText(abs), path, context);
    } catch (e) {
      if (e instanceof ConfigError && e.code === 'CFG_READ') {
        throw new LineError(e.code, e.message, pathTok.pos);
      }
      throw e;
    }
    return { kind: 'include', path: raw, file, src };
  }

  private parseVariantsHeader(reader: LineReader, line: ConfigLine): VariantsHeader {
    reader.strict(line);
    const toks = reader.untilNoWhite(['lbracket', 'colon', 'ident', 'endl']);
    let last = toks[toks.length - 1] as Token;
    let name = '';
    const meta: AstMeta[] = [];
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
          meta.push({ key: key.value, value: undefined });
        } else {
          const value = reader.untilNoWhite(['rbracket', 'endl']);
          const end = value[value.length - 1];
          if (end?.type !== 'rbracket') {
            throw new LineError('CFG_SYNTAX', 'expected "]" to close the meta data', end?.pos ?? 0);
          }
          meta.push({ key: key.value, value: value.slice(0, -1).map((t) => t.value) });
        }
      }
      last = reader.expectNonWhite(['lbracket', 'colon', 'ident', 'endl'], '"[", ":" or a name');
    }
    if (last.type === 'endl') {
      throw new LineError('CFG_SYNTAX', 'expected ":" at the end of the variants line', last.pos);
    }
    reader.expectNonWhite(['endl'], 'the end of the line after "variants ...:"');
    return { line, name, meta, src: reader.source };
  }

  /** Parses the variants of a block; the first dash has been read. */
  private parseVariants(reader: LineReader, header: VariantsHeader): AstVariants {
    const variants: AstVariant[] = [];
    const firstIndent = reader.line.indent;
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
        const nameMsg =
          'expected a variant name (letters, digits, "_", "-", ".") directly followed by ":"';
        const nameToks =
          t.type === 'at'
            ? reader.untilChecked(['ident', 'dot'], ['colon'], nameMsg)
            : [t, ...reader.untilChecked(['ident', 'dot'], ['colon'], nameMsg)];
        let raw: Token[];
        let names: Token[];
        if (nameToks.length === 2) {
          // Reference quirk: a one-token name is used as it is, even a lone ".".
          names = [nameToks[0] as Token];
          raw = names;
        } else {
          raw = nameToks.slice(0, -1);
          names = raw.filter((x) => x.type === 'ident');
        }
        const afterColon = reader.nextNonWhite();
        const deps =
          afterColon.type === 'endl'
            ? undefined
            : parseFilter([afterColon, ...reader.until(['endl'])]);
        const body: AstStatement[] = [];
        this.parseBlock(reader, body, firstIndent, false);
        variants.push({
          raw: raw.map((x) => x.value),
          names: names.map((x) => x.value),
          at: t.type === 'at',
          deps,
          body,
          src,
        });
      } catch (e) {
        if (!(e instanceof LineError)) throw e;
        this.report(this.lineError(reader, e));
        reader.skipDeeperThan(dashLine.indent);
      }
    }
    // Each [default=…] marks the first variant it agrees with; one left over matches none.
    const unmatched = matchDefaults(header.meta, variants);
    if (unmatched.length > 0) {
      this.report(
        new ConfigError(
          'CFG_MISSING_DEFAULT',
          `no variant of this block matches [default=${unmatched.map((wd) => wd.join('')).join(', ')}]`,
          {
            location: lineLocation(header.src.file, header.line, 0),
            related: includeRelated(reader.includedFrom),
          },
        ),
      );
    }
    return { kind: 'variants', name: header.name, meta: header.meta, variants, src: header.src };
  }
}

interface VariantsHeader {
  readonly line: ConfigLine;
  readonly name: string;
  readonly meta: AstMeta[];
  readonly src: StatementSource;
}

/** Where includes of a file come from: for loop detection and "included from" notes. */
export interface IncludeContext {
  /** Real paths of the files being included, outermost first. */
  readonly chain: readonly string[];
  readonly includedFrom: readonly IncludeSite[];
}

const NO_CONTEXT: IncludeContext = { chain: [], includedFrom: [] };

/** Parses an included file (by its extension); a file that cannot be read throws CFG_READ. */
export type IncludeLoader = (
  absPath: string,
  displayPath: string,
  context: IncludeContext,
) => AstFile;

export interface CfgParserOptions {
  /** Directory that relative paths are resolved against. */
  cwd: string;
  fs: ConfigFs;
  /** Receives every error; parsing goes on after it (recovering at the next statement). */
  report: (error: ConfigError) => void;
  /** Deepest include nesting allowed. @default 64 */
  maxIncludeDepth?: number;
  /** Reads included files; by default they are read and parsed as `.cfg`. */
  loadInclude?: IncludeLoader;
}
