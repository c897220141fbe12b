import { ConfigError } from '../errors.js';

/** Root states: made by the backends (image exists / vm running), not by nodes. */
export const ROOT_STATE_NAMES: ReadonlySet<string> = new Set(['root', '0root', 'boot', '0boot']);

const SAFE = /^[A-Za-z0-9_.-]+$/;

/**
 * State names become file names (external states) and snapshot tags (internal and vm states):
 * letters, digits, `_`, `.` and `-`; not purely numeric (qemu would take it for a snapshot
 * id); never `..`. `what` names the parameter in the message.
 */
export function checkStateName(name: string, what = 'state'): void {
  let problem: string | undefined;
  if (!SAFE.test(name)) problem = 'use only letters, digits, "_", "." and "-"';
  else if (/^\d+$/.test(name)) problem = 'a purely numeric name is taken for a snapshot id by qemu';
  else if (name.includes('..') || name === '.') problem = '".." and "." are not allowed';
  else if (name.startsWith('-') || name.startsWith('.')) {
    problem = 'it must not start with "-" or "."';
  }
  if (problem !== undefined) {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `${what} "${name}" is not a valid state name: ${problem}`,
    );
  }
}
