import { readFileSync } from 'node:fs';
import { readProcText } from './read-proc-text.js';

/**
 * The start time of process `pid` in clock ticks since boot (field 22 of `/proc/<pid>/stat`),
 * `undefined` when it cannot be read (the process is gone, or there is no procfs).
 */
export function processStartTime(pid: number): number | undefined {
  const stat = readProcText(() => readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (stat === undefined) return undefined;
  // "pid (comm) S ppid …": comm may hold spaces and parentheses; fields restart after the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[19]);
  return Number.isSafeInteger(start) ? start : undefined;
}
