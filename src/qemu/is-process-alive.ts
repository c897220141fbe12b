import { readFileSync } from 'node:fs';

/**
 * Whether a process with this pid exists and is not a zombie (a zombie has exited; it only
 * waits for its parent to collect the exit status, and `kill(pid, 0)` still succeeds on it).
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S …": comm may contain spaces and parentheses, the state follows the last ")".
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc entry: gone in the meantime (or no procfs, where kill(0) has to do).
    return false;
  }
}
