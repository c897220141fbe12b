import type { BackendName } from './backend-name.js';
import type { StateOp } from './state-op.js';

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
