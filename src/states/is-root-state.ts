import { ROOT_STATE_NAMES } from '../params/check-state-name.js';

/** Whether `state` is a root state (`root`, `0root`, `boot`, `0boot`), made by backends. */
export function isRootState(state: string): boolean {
  return ROOT_STATE_NAMES.has(state);
}
