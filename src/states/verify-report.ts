import type { BackendName } from './backend-name.js';
import type { StateTrust } from './state-trust.js';

/** One thing `verifyStates` found wrong (or worth knowing). */
export interface VerifyProblem {
  /**
   * - `unreadable`: the file is not a readable qcow2 (not qcow2, damaged beyond checking);
   * - `corrupt`: `qemu-img check` found corruptions;
   * - `leaks`: leaked clusters (wasted space, no harm to data; `--repair` frees them);
   * - `backing-missing`: a file of its backing chain is gone;
   * - `manifest-bad`: the manifest does not parse or describes something else;
   * - `size-mismatch`: the manifest's size is not plausible for the file;
   * - `incomplete`: an interrupted operation left it (`--repair` discards it);
   * - `being-written`: a live process is writing it now;
   * - `no-manifest`: exists without a manifest (made by hand): usable, never trusted as current;
   * - `orphan-manifest`: a manifest whose state is gone (`--repair` removes it);
   * - `leftover-temp`: a temporary file of a process that died (`--repair` removes it);
   * - `in-use`: the image is held by a running vm, so it was checked read-only.
   */
  readonly code:
    | 'unreadable'
    | 'corrupt'
    | 'leaks'
    | 'backing-missing'
    | 'manifest-bad'
    | 'size-mismatch'
    | 'incomplete'
    | 'being-written'
    | 'no-manifest'
    | 'orphan-manifest'
    | 'leftover-temp'
    | 'in-use';
  /** Errors make `verify` fail unless repaired; warnings are reported only. */
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** What `--repair` did about it; absent when nothing was (not asked for, or not safe). */
  readonly repaired?: string;
}

/** What `verifyStates` says about one state, or one active image (`state` null). */
export interface VerifyEntry {
  readonly kind: 'images' | 'vms';
  readonly targets: readonly string[];
  /** `null` for an active image itself (its chain; internal states live in it). */
  readonly state: string | null;
  readonly backend?: BackendName;
  readonly file: string;
  readonly trust?: StateTrust;
  readonly problems: readonly VerifyProblem[];
}

/** The outcome of `verifyStates`. */
export interface VerifyReport {
  readonly entries: readonly VerifyEntry[];
  /** Errors left (not repaired): `verify` fails when there are any. */
  readonly errors: number;
  readonly warnings: number;
  /** Problems `--repair` dealt with. */
  readonly repaired: number;
}
