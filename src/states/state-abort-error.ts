import { StateError } from '../errors.js';
import type { PolicyChoice, StateResult } from './state-result.js';

/** What {@link StateAbortError} says about the operation a policy stopped. */
export interface StateAbortDetails {
  /** The object's id. */
  readonly target: string;
  /** The state the policy was about (`root`/`boot` for the root prerequisite). */
  readonly state: string;
  /** Whether that state existed. */
  readonly existed: boolean;
  /** The policy parameter, its value and the letter (`a`) that said abort. */
  readonly policy: PolicyChoice;
  /** What was done before the abort, on earlier objects; it is kept, not undone. */
  readonly results: readonly StateResult[];
}

/**
 * A policy said abort (`STATE_ABORT`): an expected outcome, not a crash. Objects handled
 * before keep what was done to them; `results` says what that was.
 */
export class StateAbortError extends StateError {
  readonly target: string;
  readonly state: string;
  readonly existed: boolean;
  readonly policy: PolicyChoice;
  readonly results: readonly StateResult[];

  constructor(details: StateAbortDetails) {
    const { target, state, existed, policy } = details;
    super(
      'STATE_ABORT',
      `${target}: state "${state}" ${existed ? 'exists' : 'is missing'} and ` +
        `${policy.param} = ${policy.value} says abort (${policy.letter})`,
    );
    this.target = target;
    this.state = state;
    this.existed = existed;
    this.policy = policy;
    this.results = details.results;
  }
}
