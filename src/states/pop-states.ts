import { resolvedContext } from './resolved-context.js';
import { runStateOps } from './run-state-ops.js';
import type { StateContext } from './state-context.js';
import type { StateResult } from './state-result.js';
import type { StateTarget } from './state-target.js';

/**
 * Pops the states named by `pop_state`, object by object: a get with the policy `pop_mode`
 * (default `ra`), then an unset with `pop_mode` (default `fa`), as avocado-i2n's pop_states
 * does (one `pop_mode`, when set, must therefore be valid for both). Root states are skipped.
 */
export function popStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runStateOps(
    targets,
    [
      { op: 'get', via: 'pop', stateParam: 'pop_state', modeParam: 'pop_mode', defaultMode: 'ra' },
      {
        op: 'unset',
        via: 'pop',
        stateParam: 'pop_state',
        modeParam: 'pop_mode',
        defaultMode: 'fa',
      },
    ],
    resolvedContext(ctx),
  );
}
