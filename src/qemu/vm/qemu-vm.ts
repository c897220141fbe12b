import { QemuError } from '../../errors.js';
import { signalProcess, waitForProcessExit } from '../../shared/index.js';
import { type ImageRepair, repairLeaks } from '../img/index.js';
import { loadVmSnapshot, QmpClient, type QmpCommandOptions, runSnapshotJob } from '../qmp/index.js';
import {
  isVmProcess,
  readLogTail,
  readPidFile,
  readVmRunState,
  removeRunFiles,
  vmRunPaths,
  type VmRunPaths,
} from './run-dir.js';
import { type StartedVm, type StartVmOptions, startVmProcess } from './start-vm-process.js';
import {
  type GuestMachine,
  guestMachine,
  type ResolvedVmDrive,
  type VmPortForward,
} from './vm-args.js';

/** Options of {@link QemuVm.attach}. */
export interface AttachVmOptions {
  /** Milliseconds to wait for the QMP socket and greeting. @default 5_000 */
  timeoutMs?: number | undefined;
  /** Default timeout of QMP commands. @default 60_000 */
  commandTimeoutMs?: number | undefined;
  /** Cancels attaching (`QEMU_ABORTED`); the vm is left alone. */
  signal?: AbortSignal | undefined;
}

/** Options of {@link QemuVm.stop}: how long each step of the escalation may take. */
export interface StopVmOptions {
  /**
   * Asks the guest to power off (through its shell or agent) before anything else: a real
   * guest that is quit loses what it had not written yet. Its failure is not an error: the
   * escalation goes on.
   */
  guestShutdown?: (() => Promise<void>) | undefined;
  /** The guest's own shutdown until the process is gone. @default 60_000 */
  guestShutdownTimeoutMs?: number | undefined;
  /** QMP `quit` until the process is gone. @default 3_000 */
  quitTimeoutMs?: number | undefined;
  /** SIGTERM until the process is gone. @default 3_000 */
  termTimeoutMs?: number | undefined;
  /** SIGKILL until the process is gone. @default 5_000 */
  killTimeoutMs?: number | undefined;
}

/** How a vm ended and what had to be repaired. */
export interface VmStopResult {
  /**
   * `shutdown` (the guest powered off), `quit` (clean for the images), `sigterm`, `sigkill`,
   * or `gone` (it had already exited).
   */
  method: 'shutdown' | 'quit' | 'sigterm' | 'sigkill' | 'gone';
  /** Leak repairs (`qemu-img check -r leaks`), done after `sigkill` and `gone`. */
  repairs: ImageRepair[];
}

/**
 * A running `qemu-system-x86_64` (TCG, headless) with its QMP client: started here or found
 * again in its run directory, stopped by escalation (`quit` → SIGTERM → SIGKILL) so that it
 * never leaves a process, a lock, a leaked image or a stale run directory behind.
 */
export class QemuVm {
  /** The run directory (absolute). */
  readonly runDir: string;
  /** Pid of the qemu-system process. */
  readonly pid: number;
  /** The program and arguments it was started with. */
  readonly command: readonly string[];
  /** Its drives, with ids and node names. */
  readonly drives: readonly ResolvedVmDrive[];
  /** The guest-visible machine (what its vm states are bound to). */
  readonly machine: GuestMachine;
  /** Host ports forwarded to guest ports, by nic id. */
  readonly forwards: Readonly<Record<string, readonly VmPortForward[]>>;
  /** The files of its run directory (sockets, console log). */
  readonly paths: VmRunPaths;
  /** Whether it was started to outlive its starter. */
  readonly detached: boolean;
  /** The QMP connection; closed after {@link stop} or {@link detach}. */
  readonly qmp: QmpClient;
  readonly #child: { unref: () => void } | undefined;
  #stopping: Promise<VmStopResult> | undefined;

  private constructor(init: StartedVm) {
    this.paths = init.paths;
    this.runDir = init.paths.runDir;
    this.pid = init.pid;
    this.command = init.command;
    this.drives = init.drives;
    this.machine = init.machine;
    this.forwards = init.forwards;
    this.detached = init.detached;
    this.qmp = init.qmp;
    this.#child = init.child;
  }

  /**
   * Starts a vm and connects to its QMP monitor; see {@link startVmProcess} for how a failed
   * start is reported and cleaned up.
   */
  static async start(options: StartVmOptions): Promise<QemuVm> {
    return new QemuVm(await startVmProcess(options));
  }

  /**
   * Finds a vm again from its run directory (started detached, maybe by another process):
   * reads the state and pid files, checks that the pid is alive and runs exactly the recorded
   * command, and connects to QMP. A directory without a live vm is `QEMU_VM` (clean it with
   * {@link cleanStaleRunDir}). QEMU serves one QMP client: the starter must have detached.
   */
  static async attach(runDir: string, options: AttachVmOptions = {}): Promise<QemuVm> {
    const paths = vmRunPaths(runDir);
    const state = await readVmRunState(paths.stateFile);
    if (state === undefined) {
      throw new QemuError('QEMU_VM', `no vm state in ${paths.runDir}`);
    }
    const pid = (await readPidFile(paths.pidFile)) ?? state.pid;
    if (!isVmProcess(pid, state.command)) {
      throw new QemuError('QEMU_VM', `the vm of ${paths.runDir} (pid ${pid}) is not running`, {
        hint: 'its images may need `qemu-img check -r leaks`: use cleanStaleRunDir()',
      });
    }
    const qmp = await QmpClient.connect(paths.socket, {
      timeoutMs: options.timeoutMs ?? 5_000,
      commandTimeoutMs: options.commandTimeoutMs,
      signal: options.signal,
    });
    return new QemuVm({
      paths,
      pid,
      command: state.command,
      drives: state.drives,
      // A vm started by a version that did not record its machine: as far as known.
      machine: state.machine ?? guestMachine({ drives: state.drives, memoryMiB: state.memoryMiB }),
      forwards: state.forwards ?? {},
      detached: state.detached,
      qmp,
      child: undefined,
    });
  }

  /**
   * Whether the vm process is still there: the pid is alive and runs this vm's command line
   * (after the vm died its pid may belong to someone else, who must never get our signals).
   */
  isAlive(): boolean {
    return isVmProcess(this.pid, this.command);
  }

  /** The last lines QEMU wrote to its log (stderr and stdout). */
  logTail(): Promise<string> {
    return readLogTail(this.paths.log);
  }

  /** Saves a vm snapshot of all drives (RAM into the first) with the `snapshot-save` job. */
  async saveSnapshot(tag: string, options: QmpCommandOptions = {}): Promise<void> {
    await runSnapshotJob(
      this.qmp,
      { type: 'snapshot-save', tag, vmstate: this.#vmstateNode(), devices: this.#nodes() },
      options,
    );
  }

  /**
   * Loads a vm snapshot with the `snapshot-load` job; a vm that was running and is left
   * stopped by a failed load is resumed before the error is thrown.
   */
  async loadSnapshot(tag: string, options: QmpCommandOptions = {}): Promise<void> {
    await loadVmSnapshot(
      this.qmp,
      tag,
      { vmstate: this.#vmstateNode(), devices: this.#nodes() },
      options,
    );
  }

  /** Deletes a vm snapshot from all drives with the `snapshot-delete` job. */
  async deleteSnapshot(tag: string, options: QmpCommandOptions = {}): Promise<void> {
    await runSnapshotJob(
      this.qmp,
      { type: 'snapshot-delete', tag, devices: this.#nodes() },
      options,
    );
  }

  /**
   * Stops the vm: the guest's own shutdown when asked for, then QMP `quit`, then SIGTERM, then
   * SIGKILL, each given its timeout. After a
   * SIGKILL (or if the vm was already gone) its images get `qemu-img check -r leaks`. Then
   * the run directory is cleaned. Calling it again returns the same result.
   */
  stop(options: StopVmOptions = {}): Promise<VmStopResult> {
    this.#stopping ??= this.#stop(options);
    return this.#stopping;
  }

  /**
   * Lets go of the vm without stopping it: closes the QMP connection (so that another process
   * can attach) and no longer keeps this process alive. A vm not started `detached` is still
   * killed when this process exits.
   */
  async detach(): Promise<void> {
    await this.qmp.close();
    this.#child?.unref();
  }

  async #stop(options: StopVmOptions): Promise<VmStopResult> {
    const { pid } = this;
    let method: VmStopResult['method'] | undefined;
    if (!this.isAlive()) {
      method = 'gone';
    } else {
      if (options.guestShutdown !== undefined) {
        const asked = await options.guestShutdown().then(
          () => true,
          () => false,
        );
        const timeoutMs = options.guestShutdownTimeoutMs ?? 60_000;
        if (asked && (await waitForProcessExit(pid, timeoutMs))) method = 'shutdown';
      }
      const quitTimeoutMs = options.quitTimeoutMs ?? 3_000;
      if (method === undefined && !this.qmp.isClosed) {
        // The reply may be lost when QEMU closes the socket first; the exit is what counts.
        await this.qmp
          .execute('quit', undefined, { timeoutMs: quitTimeoutMs })
          .catch(() => undefined);
        if (await waitForProcessExit(pid, quitTimeoutMs)) method = 'quit';
      }
      if (method === undefined) {
        signalProcess(pid, 'SIGTERM');
        if (await waitForProcessExit(pid, options.termTimeoutMs ?? 3_000)) method = 'sigterm';
      }
      if (method === undefined) {
        signalProcess(pid, 'SIGKILL');
        if (!(await waitForProcessExit(pid, options.killTimeoutMs ?? 5_000))) {
          throw new QemuError('QEMU_VM', `vm pid ${pid} survived SIGKILL`);
        }
        method = 'sigkill';
      }
    }
    await this.qmp.close();
    const repairs =
      method === 'sigkill' || method === 'gone'
        ? await repairLeaks(this.drives.map((d) => d.file))
        : [];
    await removeRunFiles(this.paths);
    return { method, repairs };
  }

  #nodes(): string[] {
    return this.drives.map((d) => d.nodeName);
  }

  #vmstateNode(): string {
    const first = this.drives[0];
    if (first === undefined) {
      throw new QemuError('QEMU_BAD_ARGUMENT', 'a vm without drives has nowhere to save its state');
    }
    return first.nodeName;
  }
}
