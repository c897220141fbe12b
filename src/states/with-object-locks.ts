import { lockFileOf } from './lock-file-of.js';
import { recoverTarget } from './recover-target.js';
import type { Recovery } from './recovery.js';
import type { ResolvedContext } from './resolved-context.js';
import type { StateTarget } from './state-target.js';

/**
 * Runs `fn` on objects with their locks held: first the in-process locks (`StateLocks`), then
 * the cross-process lock files of the same keys (`LockFiles`: re-entrant in a process, waiting
 * up to `ctx.lockTimeoutMs` for another process). Before `fn` starts, whatever an interrupted
 * operation left on the objects is dealt with (`recoverTarget`); `fn` gets what was done.
 */
export function withObjectLocks<T>(
  targets: readonly StateTarget[],
  keys: readonly string[],
  owner: string,
  ctx: ResolvedContext,
  fn: (recovered: readonly Recovery[]) => Promise<T>,
): Promise<T> {
  return ctx.locks.with(keys, async () => {
    const release = await ctx.fileLocks.acquire(
      keys.map((k) => lockFileOf(k, ctx.runDir)),
      {
        owner,
        timeoutMs: ctx.lockTimeoutMs,
        signal: ctx.signal,
        onWait: (what, holder) => {
          ctx.emit({
            type: 'lock-wait',
            target: targets.map((t) => t.id).join(', '),
            what,
            holder,
          });
        },
      },
    );
    try {
      const recovered: Recovery[] = [];
      for (const target of targets) recovered.push(...(await recoverTarget(target, ctx)));
      return await fn(recovered);
    } finally {
      await release();
    }
  });
}
