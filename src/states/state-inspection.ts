import type { StateManifest } from './state-manifest.js';
import type { StateTrust } from './state-trust.js';

/** What `inspectStates` found out about one state. */
export interface StateInspection {
  /** Whether the state is physically there (an incomplete one may be). */
  readonly exists: boolean;
  /**
   * manifest: complete and described; unverified: exists without manifest and without a trace of
   * an interrupted write (made by hand or by avocado-i2n); incomplete: an interrupted cartograph
   * write left it (must not be trusted: treat as missing); missing: not there. Root states
   * (`root`, `boot`) never have manifests: `unverified` when present.
   */
  readonly trust: StateTrust;
  /** The manifest, when `trust` is `manifest`. */
  readonly manifest?: StateManifest;
  /** When the state was last restored or saved (the manifest's time stamp), if known. */
  readonly lastUsedAt?: string;
}
