import type { StateTarget } from './state-target.js';

/** "Does state `state` of `target` exist?" — roots (`root`, `boot`, …) included. */
export interface StateQuery {
  readonly target: StateTarget;
  readonly state: string;
}
