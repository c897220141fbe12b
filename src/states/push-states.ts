import { resolvedContext } from './resolved-context.js';
import { runStateOps } from './run-state-ops.js';
import type { StateContext } from './state-context.js';
import type { StateResult } from './state-result.js';
import type { StateTarget } from './state-target.js';

/**
 * Pushes the states named by `push_state`: a set with the policy `push_mode` (default `af`:
 * abort when the state exists, create it when missing). Root states are skipped.
 */
export function pushStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runStateOps(
    targets,
    [
      {
        op: 'set',
        via: 'push',
        stateParam: 'push_state',
        modeParam: 'push_mode',
        defaultMode: 'af',
      },
    ],
    resolvedContext(ctx),
  );
}
