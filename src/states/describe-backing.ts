import { basename, dirname } from 'node:path';

/** A backing file for messages: `state "x"` inside the pool directory, else its path. */
export function describeBacking(dir: string, backing: string | undefined): string {
  if (backing === undefined) return 'nothing (it stands alone)';
  if (dirname(backing) === dir && backing.endsWith('.qcow2')) {
    return `state "${basename(backing).slice(0, -'.qcow2'.length)}"`;
  }
  return backing;
}
