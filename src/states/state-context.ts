import type { StateEvent } from './state-event.js';
import type { StateLocks } from './state-locks.js';

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
}
