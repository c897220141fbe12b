import { inspectStates } from './inspect-states.js';
import type { StateContext } from './state-context.js';
import type { StateQuery } from './state-query.js';

/**
 * Answers many "does this state exist" questions at once (what a plan needs), in the order
 * asked: read-only, without locks and without policies (a missing root means the state is
 * missing; nothing is created, booted or stopped). A state an interrupted write left
 * (`incomplete`) does not exist: it must be rebuilt. See `inspectStates` for how far each
 * existing state can be trusted. Bad state names are `STATE_BAD_NAME`.
 */
export async function probeStates(
  queries: readonly StateQuery[],
  ctx: StateContext,
): Promise<boolean[]> {
  return (await inspectStates(queries, ctx)).map((i) => i.exists && i.trust !== 'incomplete');
}
