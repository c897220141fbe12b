/**
 * Who holds a cross-process lock (the content of a lock file) or is writing a state (the
 * content of an in-progress marker): enough to tell whether that process still lives on this
 * machine, and to name it in a message.
 */
export interface LockHolder {
  readonly pid: number;
  /** `os.hostname()` of the holder: liveness can only be judged on the same host. */
  readonly host: string;
  /** What it is doing, for messages (`cartograph run`, `set install of vm1/image1`). */
  readonly owner: string;
  /** When it took the lock (ISO 8601). */
  readonly startedAt: string;
  /** Random; tells this holding apart from any other, also of the same pid. */
  readonly token: string;
  /** The kernel's boot id: a pid from before a reboot is dead whatever runs under it now. */
  readonly boot?: string | undefined;
  /** The pid namespace: pids of another container cannot be judged from here. */
  readonly pidns?: string | undefined;
  /** The process's start time (clock ticks since boot): a reused pid has another one. */
  readonly start?: number | undefined;
}
