import type { RelatedLocation } from '../errors.js';
import type { SourceLocation } from '../source/index.js';
import { pyExpandTabs, pyLstrip, pyRstrip, pySplitLines } from './python-text.js';
import type { IncludeSite, StatementSource } from './tree.js';

/** One kept line of a config, prepared the way the reference's reader prepares it. */
export interface ConfigLine {
  /** The line after `rstrip`, `expandtabs` and `lstrip`. */
  readonly text: string;
  /** Width of the leading whitespace after tab expansion. */
  readonly indent: number;
  /** 1-based index in the `splitlines()` result. */
  readonly linenum: number;
  /** The original line, for error display. */
  readonly raw: string;
  /** Column (after tab expansion) where `text` starts in the line; the indent for whole lines. */
  readonly start: number;
}

/**
 * Splits config text into the lines the parser sees: Python `splitlines`, `rstrip`,
 * `expandtabs`, indentation from the remaining leading whitespace; empty lines and lines
 * starting with `#` or `//` are dropped.
 */
export function readConfigLines(text: string): ConfigLine[] {
  const out: ConfigLine[] = [];
  const lines = pySplitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = pyExpandTabs(pyRstrip(raw));
    const stripped = pyLstrip(line);
    if (stripped === '' || stripped.startsWith('#') || stripped.startsWith('//')) continue;
    const indent = line.length - stripped.length;
    out.push({ text: stripped, indent, linenum: i + 1, raw, start: indent });
  }
  return out;
}

/**
 * Maps a position in a line's stripped text back to a 1-based column of the raw line, so that
 * `file:line:col` points where an editor shows the character (a tab counts as one column).
 */
export function rawColumn(line: ConfigLine, textPos: number): number {
  const target = line.start + textPos;
  let expanded = 0;
  let col = 0;
  for (const ch of line.raw) {
    if (expanded >= target) break;
    expanded = ch === '\t' ? expanded + 8 - (expanded % 8) : expanded + 1;
    col++;
  }
  return col + 1 + Math.max(0, target - expanded);
}

/** Location of a position in a config line, for diagnostics. */
export function lineLocation(file: string, line: ConfigLine, pos = 0): SourceLocation {
  return { file, line: line.linenum, column: rawColumn(line, pos), sourceLine: line.raw };
}

/** Location of a statement. */
export function sourceLocation(src: StatementSource): SourceLocation {
  return lineLocation(src.file, src.line);
}

/** "included from here" notes for a chain of include lines, innermost first. */
export function includeRelated(sites: readonly IncludeSite[] | undefined): RelatedLocation[] {
  return (sites ?? []).map((s) => ({
    message: 'included from here',
    location: lineLocation(s.file, s.line),
  }));
}

/** Location and include chain of a statement, as error options. */
export function statementDiagnostic(src: StatementSource): {
  location: SourceLocation;
  related: RelatedLocation[];
} {
  return { location: sourceLocation(src), related: includeRelated(src.includedFrom) };
}
