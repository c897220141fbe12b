import { lockKeys } from './lock-keys.js';
import { resolvedContext } from './resolved-context.js';
import type { Recovery } from './recovery.js';
import type { StateContext } from './state-context.js';
import type { StateTarget } from './state-target.js';
import { withObjectLocks } from './with-object-locks.js';

/**
 * Deals, object by object under its locks, with the states interrupted operations left behind
 * (in-progress markers): each is discarded, or its removal finished, and what the operation
 * had moved (an active image moved into the pool) is put back; see `recoverTarget`. Every
 * state operation does this for its objects first; this is for tools (`verify --repair`) and
 * tests. Resolves with what was done, per state.
 */
export async function recoverStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<Recovery[]> {
  const rctx = resolvedContext(ctx);
  const done: Recovery[] = [];
  for (const target of targets) {
    done.push(
      ...(await withObjectLocks(
        [target],
        lockKeys(target, rctx.cwd),
        `recover ${target.id}`,
        rctx,
        (recovered) => Promise.resolve(recovered),
      )),
    );
  }
  return done;
}
