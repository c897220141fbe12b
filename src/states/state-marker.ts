import type { BackendName } from './backend-name.js';
import type { LockHolder } from './lock-holder.js';

/**
 * The in-progress marker of a state (`.<state>.writing`): written before a state is created,
 * overwritten or removed, deleted when the operation is complete (manifest written or
 * removed). While it is there the state is `incomplete`: never trusted, and discarded (with
 * what the interrupted operation left half-done) by the next operation on the object.
 */
export interface StateMarker extends LockHolder {
  readonly op: 'set' | 'unset';
  readonly state: string;
  readonly object: string;
  readonly backend: BackendName;
  /** An unset with `unset_dependents = yes`: the states it removes with this one. */
  readonly dependents?: readonly string[] | undefined;
}
