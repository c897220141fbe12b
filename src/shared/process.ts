/**
 * Process primitives: whether a pid is alive, signalling and waiting for a process to exit, and
 * reading procfs (start times tell a reused pid from the process that held it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Whether a process with this pid exists and is not a zombie (a zombie has exited; it only
 * waits for its parent to collect the exit status, and `kill(pid, 0)` still succeeds on it).
 * A zombie whose other threads are still on their way out counts as alive until they are gone.
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
    if (state !== 'Z' && state !== 'X') return true;
    // A zombie leader whose other threads are still exiting (QEMU has many): they share its
    // open files, so the locks it holds on its images last until the last thread is gone.
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    // No /proc entry: gone in the meantime (or no procfs, where kill(0) has to do).
    return false;
  }
}

/** Sends a signal to a pid; a process that is already gone is not an error. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

const POLL_MS = 5;

/**
 * Waits until the process is gone; resolves `true` if it went within `timeoutMs`. Polls,
 * because a vm started by an earlier process is not our child and sends us no exit event.
 */
export async function waitForProcessExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isProcessAlive(pid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/**
 * Reads a text from procfs, trimmed; `undefined` when it cannot be read (the process is gone,
 * or there is no procfs: then only what is left can be checked).
 */
export function readProcText(read: () => string): string | undefined {
  try {
    return read().trim();
  } catch {
    return undefined;
  }
}

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
