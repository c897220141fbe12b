import pLimit from 'p-limit';
import type { ImageInfo } from '../qemu/index.js';
import { assertStateName } from './assert-state-name.js';
import { backendFor } from './backend-for.js';
import { inspectState } from './inspect-state.js';
import { isRootState } from './is-root-state.js';
import { resolvedContext } from './resolved-context.js';
import { rootStateOf } from './root-state-of.js';
import type { StateContext } from './state-context.js';
import type { StateInspection } from './state-inspection.js';
import type { StateQuery } from './state-query.js';

/**
 * Whether each state exists and how far it can be trusted (`StateInspection`), in the order
 * asked: read-only, without locks and without policies (what a plan needs; a missing root
 * means the state is missing). Each image's snapshot table is read once for the whole batch,
 * at most `ctx.concurrency` QEMU programs run at a time. Bad state names are `STATE_BAD_NAME`.
 */
export async function inspectStates(
  queries: readonly StateQuery[],
  ctx: StateContext,
): Promise<StateInspection[]> {
  const rctx = { ...resolvedContext(ctx), infoCache: new Map<string, Promise<ImageInfo>>() };
  const jobs = queries.map(({ target, state }) => {
    if (isRootState(state)) rootStateOf(target, state);
    else assertStateName(state, `state of ${target.id}`);
    return { target, state, backend: backendFor(target) };
  });
  const limit = pLimit(rctx.concurrency);
  return Promise.all(
    jobs.map(({ target, state, backend }) =>
      limit(() => inspectState(target, state, backend, rctx)),
    ),
  );
}
