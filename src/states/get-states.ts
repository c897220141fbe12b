import type { StateContext } from './state-context.js';
import { resolvedContext } from './resolved-context.js';
import { runStateOps } from './run-state-ops.js';
import type { StateResult } from './state-result.js';
import type { StateTarget } from './state-target.js';

/**
 * Gets the states named by `get_state` (policy `get_mode`, default `ra`): an existing state
 * is restored (r), aborts (a) or is left alone (i); a missing one aborts (a) or is ignored (i).
 * The root prerequisite (`check_mode`) is applied first; a policy abort throws
 * `StateAbortError` (`STATE_ABORT`) and what was done to earlier targets stays done.
 */
export function getStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runStateOps(
    targets,
    [{ op: 'get', stateParam: 'get_state', modeParam: 'get_mode', defaultMode: 'ra' }],
    resolvedContext(ctx),
  );
}
