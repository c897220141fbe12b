import type { BackendName } from './backend-name.js';
import type { StateInfo } from './state-info.js';
import type { StateTrust } from './state-trust.js';

/** The states of one object, as `showStates` lists them. */
export interface ShowResult {
  /** The object's id. */
  readonly target: string;
  readonly kind: 'images' | 'vms';
  readonly backend: BackendName;
  /** Whether its root is there: the image exists, or the vm runs. */
  readonly root: boolean;
  /**
   * Its states (roots not included), sorted by name, each with how far `run` trusts it
   * (`incomplete`: an interrupted write left it; the next write to the object discards it).
   */
  readonly states: readonly (StateInfo & { readonly trust: StateTrust })[];
}
