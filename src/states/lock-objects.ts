import { lockFileOf } from './lock-file-of.js';
import { lockKeys } from './lock-keys.js';
import { resolvedContext } from './resolved-context.js';
import type { StateContext } from './state-context.js';
import type { StateTarget } from './state-target.js';

/**
 * Takes the cross-process locks of objects (their vms, active images and qcow2ext pool
 * directories: the same locks their state operations take) and resolves with the function
 * that releases them. Meant for a caller that keeps objects for longer than one operation (the
 * scheduler, for a whole node): no other cartograph process touches them meanwhile, while this
 * process's own operations take the locks again at once (they are re-entrant per process).
 * Exclusion between tasks of this process stays the caller's (`StateLocks`); lock a vm target
 * rather than its images alone, so that every lock its operations need is taken up front, in
 * one sorted order (taking more later could deadlock with another process).
 *
 * Waits up to `ctx.lockTimeoutMs` (default 10 minutes; 0: not at all) for locks another
 * process holds (a `lock-wait` event names the holder when the wait begins), then throws
 * `StateLockedError` (`STATE_LOCKED`) naming the holder; a lock of a process that died is
 * taken over. `owner` is recorded in the lock files for such messages.
 */
export async function lockObjects(
  targets: readonly StateTarget[],
  ctx: StateContext & { owner?: string },
): Promise<() => Promise<void>> {
  const rctx = resolvedContext(ctx);
  const keys = [...new Set(targets.flatMap((t) => lockKeys(t, rctx.cwd)))];
  return rctx.fileLocks.acquire(
    keys.map((k) => lockFileOf(k, rctx.runDir)),
    {
      owner: ctx.owner ?? `cartograph (${targets.map((t) => t.id).join(', ')})`,
      timeoutMs: rctx.lockTimeoutMs,
      signal: rctx.signal,
      onWait: (what, holder) => {
        rctx.emit({ type: 'lock-wait', target: targets.map((t) => t.id).join(', '), what, holder });
      },
    },
  );
}
