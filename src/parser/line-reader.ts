/**
 * Reads the lines of one config file or string for the parser, block by block, and hands out
 * the tokens of the current line. Holds the reference's lexer mode flag (`fast`), which the
 * parser switches and which leaks between blocks exactly as in the reference.
 */
import type { ConfigLine } from './config-lines.js';
import { lexLine, type Token } from './lexer.js';
import { pyStrip } from './python-text.js';
import { LineError, TokenReader } from './token-reader.js';
import type { IncludeSite, StatementSource } from './tree.js';

export class LineReader extends TokenReader {
  /** The reference's lexer mode: assignments are recognised only while it is on. */
  fast = true;
  /** The variants header that switched the mode off, while it is off. */
  private strictHeader: ConfigLine | undefined;
  /** Set when the current line was lexed with the mode off: the header responsible. */
  lexedStrictly: { file: string; line: ConfigLine } | undefined;
  private index = 0;
  private stored: ConfigLine | undefined;
  private tokens: readonly Token[] = [];
  private ti = 0;
  private current: ConfigLine | undefined;
  private currentSource: StatementSource | undefined;

  constructor(
    private readonly lines: readonly ConfigLine[],
    /** The file as spelled by the user or the including file, or `<string>`. */
    readonly file: string,
    /** True for files: includes then resolve against the file's directory. */
    readonly isFile: boolean,
    /** Real paths of the files being included, outermost first, for loop detection. */
    readonly includeChain: readonly string[],
    readonly includedFrom: readonly IncludeSite[],
  ) {
    super();
  }

  /**
   * The next line of the block whose header has indentation `prevIndent`, or null when the
   * block ends (a line indented no deeper, which stays unread) or the input ends.
   */
  readLine(prevIndent: number): ConfigLine | null {
    let line: ConfigLine;
    if (this.stored !== undefined) {
      line = this.stored;
      this.stored = undefined;
    } else {
      const next = this.lines[this.index];
      if (next === undefined || next.indent <= prevIndent) return null;
      this.index++;
      line = next;
    }
    this.current = line;
    this.currentSource = undefined;
    this.tokens = lexLine(line.text, this.fast);
    this.lexedStrictly =
      this.fast || this.strictHeader === undefined
        ? undefined
        : { file: this.file, line: this.strictHeader };
    this.ti = 0;
    return line;
  }

  /** Switches assignment recognition off, as a variants header does in the reference. */
  strict(header: ConfigLine): void {
    this.fast = false;
    this.strictHeader = header;
  }

  /** Makes the inline statement of a condition (`a: k = v`) the next line read. */
  storeInline(text: string, indent: number, header: ConfigLine, textPos: number): void {
    const stripped = pyStrip(text);
    if (stripped === '') return;
    this.stored = { ...header, text: stripped, indent, start: header.start + textPos };
  }

  /** Skips the lines indented deeper than `indent` (error recovery: the rest of a bad block). */
  skipDeeperThan(indent: number): void {
    this.stored = undefined;
    while ((this.lines[this.index]?.indent ?? -1) > indent) this.index++;
  }

  get line(): ConfigLine {
    if (this.current === undefined) throw new Error('no current line');
    return this.current;
  }

  get source(): StatementSource {
    this.currentSource ??= {
      file: this.file,
      line: this.line,
      ...(this.includedFrom.length > 0 ? { includedFrom: this.includedFrom } : {}),
    };
    return this.currentSource;
  }

  /** The rest of the current line after position `pos`, as the reference's `rest_line_as_LString`. */
  textAfter(pos: number): string {
    return this.line.text.slice(pos);
  }

  /** The next token; a lexing error becomes a thrown LineError here, where the reference fails. */
  next(): Token {
    const t = this.tokens[this.ti];
    if (t === undefined) return { type: 'endl', value: '', pos: this.line.text.length };
    this.ti++;
    if (t.type === 'error') throw LineError.fromToken(t);
    return t;
  }
}
