import { readFileSync } from 'node:fs';
import { isProcessAlive } from './is-process-alive.js';

/**
 * Whether `pid` is alive and runs exactly `command` (program and arguments as cartograph
 * started it). A pid from a file may have been reused by an unrelated process after the vm
 * died; only the same command line proves it is still that vm.
 */
export function isVmProcess(pid: number, command: readonly string[]): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  const argv = cmdline.split('\0');
  if (argv.at(-1) === '') argv.pop();
  return argv.length === command.length && argv.every((arg, i) => arg === command[i]);
}
