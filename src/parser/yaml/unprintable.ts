import { ConfigError } from '../../errors.js';
import { statementDiagnostic } from '../config-lines.js';
import type { StatementSource } from '../tree.js';

/**
 * The error of a printer that meets a statement the target syntax cannot express (a `.cfg`
 * line cannot hold a line break; a named label in a condition would make the line an
 * assignment). It points at the statement in the file being converted.
 */
export function unprintable(
  target: '.cfg' | 'YAML',
  src: StatementSource,
  why: string,
): ConfigError {
  return new ConfigError('CFG_YAML_SHAPE', `cannot be written in ${target}: ${why}`, {
    ...statementDiagnostic(src),
  });
}
