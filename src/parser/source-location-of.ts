import type { RelatedLocation } from '../errors.js';
import type { SourceLocation } from '../source/source-location.js';
import { rawColumn, type ConfigLine } from './config-lines.js';
import type { IncludeSite, StatementSource } from './tree.js';

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
