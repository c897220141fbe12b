import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from './is-process-alive.js';

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
