import type { StateContext } from './state-context.js';
import { resolvedContext } from './resolved-context.js';
import { runStateOps } from './run-state-ops.js';
import type { StateResult } from './state-result.js';
import type { StateTarget } from './state-target.js';

/**
 * Sets the states named by `set_state` (policy `set_mode`, default `ff`): an existing state
 * aborts (a), is kept (r) or is overwritten (f); a missing one aborts (a) or is created (f).
 * The root prerequisite (`check_mode`) is applied first; a policy abort throws
 * `StateAbortError` (`STATE_ABORT`) and what was done to earlier targets stays done.
 */
export function setStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runStateOps(
    targets,
    [{ op: 'set', stateParam: 'set_state', modeParam: 'set_mode', defaultMode: 'ff' }],
    resolvedContext(ctx),
  );
}
