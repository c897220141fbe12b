/**
 * Prints an error for humans: `file:line:col: message [CODE]`, the source line with a caret
 * under the column, related locations ("included from here"), and a hint.
 */
import { CartographError, ConfigProblems } from '../errors.js';
import type { SourceLocation } from '../source/index.js';

function where(loc: SourceLocation): string {
  return loc.line > 0 ? `${loc.file}:${loc.line}:${loc.column}` : loc.file;
}

function excerpt(loc: SourceLocation): string[] {
  if (loc.sourceLine === undefined || loc.line <= 0) return [];
  const gutter = String(loc.line);
  const pad = ' '.repeat(gutter.length);
  // Tabs are kept in the excerpt and in the caret line so the caret lines up in a terminal.
  const before = [...loc.sourceLine].slice(0, Math.max(0, loc.column - 1));
  const lead = before.map((ch) => (ch === '\t' ? '\t' : ' ')).join('');
  const caret = '^'.repeat(Math.max(1, loc.length ?? 1));
  return [`${pad} |`, `${gutter} | ${loc.sourceLine}`, `${pad} | ${lead}${caret}`];
}

export function formatDiagnostic(error: unknown): string {
  if (!(error instanceof CartographError)) {
    const msg = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return `internal error: ${msg}\n`;
  }
  // Several problems found at once: each with its own place, then the summary.
  if (error instanceof ConfigProblems) {
    return error.problems.map(formatDiagnostic).join('') + `cartograph: ${error.message}\n`;
  }
  const lines: string[] = [];
  const head = `${error.message} [${error.code}]`;
  lines.push(error.location ? `${where(error.location)}: ${head}` : `cartograph: ${head}`);
  if (error.location) lines.push(...excerpt(error.location));
  for (const r of error.related) lines.push(`${where(r.location)}: note: ${r.message}`);
  if (error.hint !== undefined) lines.push(`hint: ${error.hint}`);
  return lines.join('\n') + '\n';
}

/** The error as JSON data (`--format jsonl` and `--json` outputs). */
export function diagnosticJson(error: unknown): Record<string, unknown> {
  if (!(error instanceof CartographError)) {
    return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
  }
  const loc = error.location;
  return {
    code: error.code,
    file: loc?.file ?? null,
    line: loc && loc.line > 0 ? loc.line : null,
    column: loc && loc.line > 0 ? loc.column : null,
    message: error.message,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  };
}
