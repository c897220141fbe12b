import pLimit from 'p-limit';
import type { ImageInfo } from '../qemu/index.js';
import { assertStateName } from './assert-state-name.js';
import { backendFor } from './backend-for.js';
import { isRootState } from './is-root-state.js';
import { resolvedContext } from './resolved-context.js';
import { rootStateOf } from './root-state-of.js';
import type { StateContext } from './state-context.js';
import type { StateQuery } from './state-query.js';

/**
 * Answers many "does this state exist" questions at once (what a plan needs), in the order
 * asked: read-only, without locks and without policies (a missing root means the state is
 * missing; nothing is created, booted or stopped). Each image's snapshot table is read once
 * for the whole batch, and at most `ctx.concurrency` QEMU programs run at a time. Bad state
 * names are `STATE_BAD_NAME`.
 */
export async function probeStates(
  queries: readonly StateQuery[],
  ctx: StateContext,
): Promise<boolean[]> {
  const rctx = { ...resolvedContext(ctx), infoCache: new Map<string, Promise<ImageInfo>>() };
  const jobs = queries.map(({ target, state }) => {
    if (isRootState(state)) rootStateOf(target, state);
    else assertStateName(state, `state of ${target.id}`);
    return { state, root: isRootState(state), backend: backendFor(target) };
  });
  const limit = pLimit(rctx.concurrency);
  return Promise.all(
    jobs.map(({ state, root, backend }) =>
      limit(() => (root ? backend.checkRoot(rctx) : backend.exists(state, rctx))),
    ),
  );
}
