/** A vm that runs, as found through its run directory. */
export interface RunningVm {
  /** The vm object's id. */
  readonly vmId: string;
  readonly pid: number;
  /** Its run directory (pid file, log, state file, QMP socket). */
  readonly runDir: string;
  /** The QMP unix socket (for `CARTOGRAPH_QMP_<VM>`); QEMU serves one client at a time. */
  readonly qmpSocket: string;
  /** The images it runs with (absolute paths), in drive order. */
  readonly images: readonly string[];
}
