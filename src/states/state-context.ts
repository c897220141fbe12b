import type { StateEvent } from './state-event.js';
import type { StateLocks } from './state-locks.js';
import type { StateManifestInput } from './state-manifest.js';
import type { StateTarget } from './state-target.js';

/** Where and how state operations run. */
export interface StateContext {
  /** Where relative paths in params (`images_base_dir`, `swarm_pool`, …) resolve. */
  readonly cwd: string;
  /**
   * Directory of vm run directories (`<runDir>/<vm id>`), relative to `cwd` when relative. A
   * run directory too long for a QMP socket falls back to a short one under the system temp
   * directory (a `run-dir-fallback` event says which; `<runDir>/<vm id>.run-dir` records it).
   */
  readonly runDir: string;
  /** Cancels the QEMU programs and QMP calls in flight (`QEMU_ABORTED`). */
  readonly signal?: AbortSignal | undefined;
  /** Receives progress events. */
  readonly onEvent?: ((event: StateEvent) => void) | undefined;
  /**
   * In-process locks keeping two operations off one image, pool or vm at a time.
   * @default StateLocks.shared (one set for the whole process)
   */
  readonly locks?: StateLocks | undefined;
  /**
   * How many QEMU programs read-only operations (show, check, probes) run at once.
   * @default the core count
   */
  readonly concurrency?: number | undefined;
  /**
   * What to record about a state a set (or push) saves: its key, the node that made it, the
   * keys of the states it started from. A state saved while this returns `undefined` (or
   * without the function: `cartograph set` by hand) gets no manifest and is "unverified".
   */
  readonly manifestFor?:
    ((target: StateTarget, state: string) => StateManifestInput | undefined) | undefined;
  /**
   * How long an operation waits for the cross-process locks of its objects (held by another
   * cartograph process) before it fails with `STATE_LOCKED`; 0 fails at once.
   * @default 600000 (10 minutes)
   */
  readonly lockTimeoutMs?: number | undefined;
}
