import { ConfigError } from '../errors.js';

const SAFE = /^[A-Za-z0-9_.-]+$/;

/** The longest file name Linux file systems take, in bytes (`NAME_MAX`). */
const NAME_MAX = 255;

/**
 * The longest file name cartograph makes from an object name, with the longest pid (7 digits)
 * and random part (8 hex digits): the temporary twin of a vm's lock file in the run directory
 * (`createExclusive` of `<vm id>.lock`). Pool and run directories take the name as it is.
 */
const longestFileOf = (name: string): string => `${name}.lock.4194304.ffffffff.tmp`;

/** The longest object name or id, in bytes (229): its longest file must fit `NAME_MAX`. */
export const OBJECT_NAME_MAX_BYTES = NAME_MAX - longestFileOf('').length;

/**
 * Object names and ids become directory names in the state pool and in run directories: only
 * letters, digits, `_`, `.` and `-`, never `.` or `..` or a leading `-`, and at most
 * {@link OBJECT_NAME_MAX_BYTES} bytes.
 */
export function checkObjectName(name: string, what: string): void {
  const shown = name.length > 60 ? `${name.slice(0, 40)}…${name.slice(-10)}` : name;
  if (
    !SAFE.test(name) ||
    name === '.' ||
    name === '..' ||
    name.startsWith('-') ||
    name.includes('..')
  ) {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `${what} "${shown}" cannot be used as a file name: use letters, digits, "_", "." and "-" only`,
    );
  }
  if (name.length > OBJECT_NAME_MAX_BYTES) {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `${what} "${shown}" cannot be used as a file name: it is ${name.length} bytes, over the ${OBJECT_NAME_MAX_BYTES} an object name may have (its longest file, ${longestFileOf('<name>').replace('4194304.ffffffff', '<pid>.<hex>')}, must fit ${NAME_MAX})`,
    );
  }
}
