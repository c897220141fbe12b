import pLimit from 'p-limit';
import type { ImageInfo } from '../qemu/index.js';
import { backendFor } from './backend-for.js';
import { inspectState } from './inspect-state.js';
import { resolvedContext } from './resolved-context.js';
import { rootPresent } from './root-present.js';
import type { ShowResult } from './show-result.js';
import type { StateContext } from './state-context.js';
import type { StateTarget } from './state-target.js';

/**
 * The states of each target (in the order given), read without changing anything and without
 * locks: `qemu-img info -U` for internal states, the pool directory for external ones, and
 * each state's trust (`inspectState`; one `qemu-img info` per image serves both). The targets
 * are read concurrently, at most `ctx.concurrency` (default: the core count) at once.
 */
export async function showStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<ShowResult[]> {
  const rctx = { ...resolvedContext(ctx), infoCache: new Map<string, Promise<ImageInfo>>() };
  const backends = targets.map((t) => backendFor(t));
  const limit = pLimit(rctx.concurrency);
  return Promise.all(
    targets.map((target, i) =>
      limit(async (): Promise<ShowResult> => {
        const backend = backends[i] ?? backendFor(target);
        const [root, found] = await Promise.all([rootPresent(target, rctx), backend.show(rctx)]);
        const states = await Promise.all(
          [...found]
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
            .map(async (s) => ({
              ...s,
              trust: (await inspectState(target, s.name, backend, rctx)).trust,
            })),
        );
        return { target: target.id, kind: target.kind, backend: backend.name, root, states };
      }),
    ),
  );
}
