import { CartographError, StateError } from '../errors.js';
import { checkStateName } from '../params/check-state-name.js';

/**
 * Throws `STATE_BAD_NAME` for a state name that cannot be a file or snapshot name (the rules
 * of `checkStateName`: `[A-Za-z0-9_.-]`, not purely numeric, no `..`). `what` names the
 * parameter it came from.
 */
export function assertStateName(name: string, what: string): void {
  try {
    checkStateName(name, what);
  } catch (error) {
    if (!(error instanceof CartographError)) throw error;
    throw new StateError('STATE_BAD_NAME', error.message, { cause: error });
  }
}
