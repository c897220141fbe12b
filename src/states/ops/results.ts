/**
 * What state operations return: one result per target and state, and the error that aborts
 * an operation under a policy.
 */
import { StateError } from '../../errors.js';
import type { BackendName, StateInfo } from '../backends/index.js';
import type { StateTrust } from '../records/index.js';
import type { StateTarget } from '../target.js';
import type { StateOp } from './context.js';

/**
 * What an operation did to one object:
 * - `restored`: get brought the state back;
 * - `created`: set saved a state that was missing, create made a missing root, boot started the vm;
 * - `overwritten`: set replaced an existing state (or recreated a root);
 * - `kept`: a policy said keep what is there (`r` of set and unset; create of an existing root);
 * - `removed`: unset deleted the state (clean removed the image, shutdown stopped the vm);
 * - `ignored`: a policy said ignore (`i`);
 * - `skipped`: nothing to do here (push/pop of a root state).
 */
export type StateAction =
  'restored' | 'created' | 'overwritten' | 'kept' | 'removed' | 'ignored' | 'skipped';

/** The policy letter that decided, and where it came from. */
export interface PolicyChoice {
  /** The parameter (`get_mode`, `check_mode`, `pop_mode`, …). */
  readonly param: string;
  /** Its two letters as used (the default when the parameter is not set). */
  readonly value: string;
  /** The letter applied: the first when the state existed, else the second. */
  readonly letter: string;
}

/** What the root prerequisite (`check_mode`) did before a state operation. */
export interface RootOutcome {
  /** `root` for images, `boot` for vms. */
  readonly state: 'root' | 'boot';
  readonly existed: boolean;
  readonly policy: PolicyChoice;
  /** `kept` (reused), `created`, `overwritten` (removed and made again), `removed`, `ignored`. */
  readonly action: 'kept' | 'created' | 'overwritten' | 'removed' | 'ignored';
}

/** The outcome of one operation on one object. */
export interface StateResult {
  readonly op: StateOp;
  /** Set when the operation ran as part of `push` (a set) or `pop` (a get, then an unset). */
  readonly via?: 'push' | 'pop';
  /** The object's id. */
  readonly target: string;
  readonly kind: 'images' | 'vms';
  readonly state: string;
  readonly backend: BackendName;
  /** Whether the state existed before the operation. */
  readonly existed: boolean;
  readonly policy: PolicyChoice;
  readonly action: StateAction;
  /** The root prerequisite, for operations on states other than roots. */
  readonly root?: RootOutcome;
  /** How it was done, when that is worth saying ("committed into the state it was built on"). */
  readonly detail?: string;
  readonly durationMs: number;
}

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

/** The states of one object, as `showStates` lists them. */
export interface ShowResult {
  /** The object's id. */
  readonly target: string;
  readonly kind: 'images' | 'vms';
  readonly backend: BackendName;
  /** Whether its root is there: the image exists, or the vm runs. */
  readonly root: boolean;
  /** A vm that runs: its pid, run directory, console and agent sockets and forwarded ports. */
  readonly running?: {
    readonly pid: number;
    readonly runDir: string;
    readonly serialSocket: string;
    readonly agentSocket: string;
    readonly consoleLog: string;
    /** Host ports forwarded to guest ports, by nic id. */
    readonly forwards: Readonly<Record<string, readonly { guestPort: number; hostPort: number }[]>>;
  };
  /**
   * Its states (roots not included), sorted by name, each with how far `run` trusts it
   * (`incomplete`: an interrupted write left it; the next write to the object discards it).
   */
  readonly states: readonly (StateInfo & { readonly trust: StateTrust })[];
}

/** Whether one requested state (`check_state`) exists. */
export interface CheckResult {
  readonly target: string;
  readonly kind: 'images' | 'vms';
  readonly state: string;
  readonly backend: BackendName;
  readonly exists: boolean;
}

/** "Does state `state` of `target` exist?" — roots (`root`, `boot`, …) included. */
export interface StateQuery {
  readonly target: StateTarget;
  readonly state: string;
}
