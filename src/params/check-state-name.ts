import { ConfigError } from '../errors.js';

/** Root states: made by the backends (image exists / vm running), not by nodes. */
export const ROOT_STATE_NAMES: ReadonlySet<string> = new Set(['root', '0root', 'boot', '0boot']);

const SAFE = /^[A-Za-z0-9_.-]+$/;

/** The longest file name Linux file systems take, in bytes (`NAME_MAX`). */
const NAME_MAX = 255;

/**
 * The longest file name cartograph makes from a state name, with the longest pid (7 digits)
 * and random part (8 hex digits) there can be: saving the image as state file `<state>.qcow2`
 * of a pool on another file system copies it to a temporary twin (`tempPath` in `moveFile`)
 * of the temporary name it is published from (`tempPath` in `publishActive`). The state's
 * other files are shorter: `<state>.qcow2`, `<state>.json`, the in-progress marker
 * `.<state>.writing` and their temporary twins, the snapshot tag.
 * test/unit/params/check-state-name.test.ts derives the same bound from `tempPath` and
 * `stateRecord`, so the two cannot drift apart.
 */
const longestFileOf = (state: string): string =>
  `..${state}.qcow2.4194304.ffffffff.tmp.4194304.ffffffff.tmp`;

/** The longest state name, in bytes (205): its longest file must fit `NAME_MAX`. */
export const STATE_NAME_MAX_BYTES = NAME_MAX - longestFileOf('').length;

/**
 * State names become file names (external states) and snapshot tags (internal and vm states):
 * letters, digits, `_`, `.` and `-`; not purely numeric (qemu would take it for a snapshot
 * id); never `..`; at most {@link STATE_NAME_MAX_BYTES} bytes. `what` names the parameter in
 * the message.
 */
export function checkStateName(name: string, what = 'state'): void {
  let problem: string | undefined;
  if (!SAFE.test(name)) problem = 'use only letters, digits, "_", "." and "-"';
  else if (/^\d+$/.test(name)) problem = 'a purely numeric name is taken for a snapshot id by qemu';
  else if (name.includes('..') || name === '.') problem = '".." and "." are not allowed';
  else if (name.startsWith('-') || name.startsWith('.')) {
    problem = 'it must not start with "-" or "."';
  } else if (name.length > STATE_NAME_MAX_BYTES) {
    problem =
      `it is ${name.length} bytes, over the ${STATE_NAME_MAX_BYTES} a state name may have ` +
      `(its longest file, ${longestFileOf('<state>').replaceAll('4194304.ffffffff', '<pid>.<hex>')}, must fit ${NAME_MAX})`;
  }
  if (problem !== undefined) {
    const shown = name.length > 60 ? `${name.slice(0, 40)}…${name.slice(-10)}` : name;
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `${what} "${shown}" is not a valid state name: ${problem}`,
    );
  }
}
