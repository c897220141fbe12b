import type { BackendName } from './backend-name.js';

/** What `gcStates` keeps. */
export interface GcOptions {
  /**
   * Whether the current config produces a state (some node sets it, for one of its objects,
   * with this backend): what to say about it ("set by node install@vm1"), `undefined` when
   * nothing produces it (it is removed).
   */
  readonly produced: (state: {
    readonly kind: 'images' | 'vms';
    readonly targets: readonly string[];
    readonly state: string;
    readonly backend: BackendName;
  }) => string | undefined;
  /** Keep the N most recently used states of each object, whatever else is said. */
  readonly keepLast?: number | undefined;
  /** Remove the least recently used states until the kept ones take at most this many bytes. */
  readonly maxBytes?: number | undefined;
  /** Decide and report only; change nothing (and take no locks). */
  readonly dryRun?: boolean | undefined;
}
