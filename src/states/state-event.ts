import type { BackendName } from './backend-name.js';
import type { LockHolder } from './lock-holder.js';
import type { StateOp } from './state-op.js';
import type { StateResult } from './state-result.js';

/**
 * What state operations report while they work; core code never prints, the CLI and the
 * scheduler's reporters subscribe through `StateContext.onEvent`.
 */
export type StateEvent =
  /** An operation on one object begins. */
  | {
      readonly type: 'state-start';
      readonly op: StateOp;
      readonly target: string;
      readonly state: string;
      readonly backend: BackendName;
    }
  /** An operation on one object ended (aborts end with a thrown `StateAbortError` instead). */
  | { readonly type: 'state-end'; readonly result: StateResult }
  /** An image was created (`qemu-img create`), converted from `raw_image`, or removed. */
  | {
      readonly type: 'image-created' | 'image-converted' | 'image-removed';
      readonly target: string;
      readonly image: string;
    }
  /** A vm was started (detached; found again through its run directory). */
  | {
      readonly type: 'vm-booted';
      readonly target: string;
      readonly pid: number;
      readonly runDir: string;
      readonly qmpSocket: string;
    }
  /** A vm was stopped; `method` says how far the escalation went. */
  | {
      readonly type: 'vm-stopped';
      readonly target: string;
      readonly method: 'quit' | 'sigterm' | 'sigkill' | 'gone';
      readonly reason: string;
      /** Images whose leaked clusters were repaired (after a kill). */
      readonly repaired: readonly string[];
    }
  /** The run directory of a vm that had died was cleaned and its images repaired. */
  | {
      readonly type: 'vm-stale-cleaned';
      readonly target: string;
      readonly runDir: string;
      readonly repaired: readonly string[];
    }
  /** The run directory under `StateContext.runDir` was too long for a QMP socket. */
  | {
      readonly type: 'run-dir-fallback';
      readonly target: string;
      readonly wanted: string;
      readonly used: string;
    }
  /** An unset took down states built on the one removed (`unset_dependents = yes`). */
  | {
      readonly type: 'states-removed';
      readonly target: string;
      readonly state: string;
      readonly dependents: readonly string[];
    }
  /** The active image was moved onto another backing file to keep its content. */
  | {
      readonly type: 'image-rebased';
      readonly target: string;
      readonly image: string;
      /** The new backing file, `null` for none. */
      readonly onto: string | null;
      readonly reason: string;
    }
  /** Another cartograph process holds a lock of the objects (`what` it protects): waiting. */
  | {
      readonly type: 'lock-wait';
      /** The objects being locked, comma-separated ids. */
      readonly target: string;
      readonly what: string;
      readonly holder: LockHolder;
    };
