import type { BackendName } from './backend-name.js';

/** What was done about a state an interrupted operation left behind (its marker). */
export interface Recovery {
  /** The object's id. */
  readonly target: string;
  readonly kind: 'images' | 'vms';
  readonly state: string;
  readonly backend: BackendName;
  /** The operation that was interrupted. */
  readonly op: 'set' | 'unset';
  /**
   * Whether it is dealt with: the state is discarded (or its removal finished) and the marker
   * is gone. `false`: left as it was, still `incomplete` (`detail` says why).
   */
  readonly done: boolean;
  readonly detail: string;
}
