import { checkStateName, ROOT_STATE_NAMES } from '../params/check-state-name.js';

/**
 * Whether a snapshot tag or pool file name is a state cartograph could have made (a valid,
 * non-root state name). Anything else found in an image or a pool is not listed as a state.
 */
export function isStateName(name: string): boolean {
  if (ROOT_STATE_NAMES.has(name)) return false;
  try {
    checkStateName(name);
    return true;
  } catch {
    return false;
  }
}
