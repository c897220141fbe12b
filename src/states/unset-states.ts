import type { StateContext } from './state-context.js';
import { resolvedContext } from './resolved-context.js';
import { runStateOps } from './run-state-ops.js';
import type { StateResult } from './state-result.js';
import type { StateTarget } from './state-target.js';

/**
 * Unsets the states named by `unset_state` (policy `unset_mode`, default `fi`): an existing
 * state is kept (r) or removed (f); a missing one aborts (a) or is ignored (i).
 * The root prerequisite (`check_mode`) is applied first; a policy abort throws
 * `StateAbortError` (`STATE_ABORT`) and what was done to earlier targets stays done.
 */
export function unsetStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runStateOps(
    targets,
    [{ op: 'unset', stateParam: 'unset_state', modeParam: 'unset_mode', defaultMode: 'fi' }],
    resolvedContext(ctx),
  );
}
