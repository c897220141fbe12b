import { backendFor } from './backend-for.js';
import type { CheckResult } from './check-result.js';
import { probeStates } from './probe-states.js';
import type { StateContext } from './state-context.js';
import type { StateTarget } from './state-target.js';

/**
 * Whether the states named by `check_state` exist, for each target that names one. Read-only:
 * unlike the reference, `check` never applies `check_mode` (it does not create roots), so that
 * asking is always safe; see `probeStates`.
 */
export async function checkStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<CheckResult[]> {
  const asked = targets.flatMap((target) => {
    const state = target.params.get('check_state');
    return state === undefined || state === '' ? [] : [{ target, state }];
  });
  const answers = await probeStates(asked, ctx);
  return asked.map(({ target, state }, i) => ({
    target: target.id,
    kind: target.kind,
    state,
    backend: backendFor(target).name,
    exists: answers[i] === true,
  }));
}
