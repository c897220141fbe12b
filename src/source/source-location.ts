/**
 * A position in a config file. Positions are computed where the error is found and carry the
 * source line, so a printer can show it with a caret without reading the file again.
 */
export interface SourceLocation {
  /** The path as the user or the including file spelled it (the reference does the same). */
  file: string;
  /** 1-based line number; 0 when the position is "end of file". */
  line: number;
  /** 1-based column in the original text (tabs count as one column). */
  column: number;
  /** The whole original line, without its line break, when known. */
  sourceLine?: string;
  /** Length of the span to underline, at least 1. */
  length?: number;
}
