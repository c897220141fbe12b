import { ConfigError } from '../errors.js';

const SAFE = /^[A-Za-z0-9_.-]+$/;

/**
 * Object names and ids become directory names in the state pool and in run directories: only
 * letters, digits, `_`, `.` and `-`, and never `.` or `..` or a leading `-`.
 */
export function checkObjectName(name: string, what: string): void {
  if (
    !SAFE.test(name) ||
    name === '.' ||
    name === '..' ||
    name.startsWith('-') ||
    name.includes('..')
  ) {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `${what} "${name}" cannot be used as a file name: use letters, digits, "_", "." and "-" only`,
    );
  }
}
