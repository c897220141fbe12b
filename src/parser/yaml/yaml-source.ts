import type { LineCounter } from 'yaml';
import type { SourceLocation } from '../../source/index.js';
import { type ConfigLine, lineLocation } from '../config-lines.js';
import { pyExpandTabs, pyLen, pyRstrip } from '../python-text.js';
import type { IncludeSite, StatementSource } from '../tree.js';

/**
 * The text of one YAML config and what statements and diagnostics need from it: offsets (as
 * the `yaml` package reports them) turned into `ConfigLine`s, so that YAML statements carry the
 * same `StatementSource` as `.cfg` ones and the caret printer shows the YAML line.
 */
export class YamlSource {
  constructor(
    readonly text: string,
    /** The path as given (or as the including file joined it). */
    readonly file: string,
    private readonly lineCounter: LineCounter,
    readonly includedFrom: readonly IncludeSite[],
  ) {}

  /**
   * A `ConfigLine` for the YAML line holding `offset`, starting at that offset: `rawColumn`
   * then points at the offset, and `raw` is the whole line for the excerpt.
   */
  line(offset: number): ConfigLine {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    const begin = this.lineCounter.lineStarts[line - 1] ?? 0;
    let end = this.text.indexOf('\n', begin);
    if (end < 0) end = this.text.length;
    const raw = this.text.slice(begin, end).replace(/\r$/, '');
    const before = raw.slice(0, col - 1);
    // ConfigLine columns are measured after tab expansion; rawColumn maps them back.
    const start = pyLen(pyExpandTabs(before));
    return { text: pyRstrip(raw.slice(col - 1)), indent: start, linenum: line, raw, start };
  }

  /** Where `offset` is, for a diagnostic; `length` (UTF-16 units) underlines a span on one line. */
  location(offset: number, length?: number): SourceLocation {
    const line = this.line(offset);
    const loc = lineLocation(this.file, line, 0);
    if (length !== undefined && length > 1) {
      const span = this.text.slice(offset, offset + length);
      if (!span.includes('\n')) loc.length = pyLen(span);
    }
    return loc;
  }

  /** The source of a statement written at `offset`. */
  source(offset: number): StatementSource {
    return {
      file: this.file,
      line: this.line(offset),
      ...(this.includedFrom.length > 0 ? { includedFrom: this.includedFrom } : {}),
    };
  }
}
