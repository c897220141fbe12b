import { mkdir, open } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { execa, type StdoutStderrOption } from 'execa';
import { QemuError } from '../../errors.js';
import { isProcessAlive, signalProcess, waitForProcessExit } from '../../shared/index.js';
import { classifyQemuFailure, formatCommandLine, QemuCommandError, tailText } from '../errors.js';
import { repairLeaks } from '../img/index.js';
import { QmpClient } from '../qmp/index.js';
import {
  cleanStaleRunDir,
  readLogTail,
  removeRunFiles,
  vmRunPaths,
  type VmRunPaths,
  writeVmRunState,
} from './run-dir.js';
import {
  buildVmArgs,
  type GuestMachine,
  guestMachine,
  type ResolvedVmDrive,
  type VmDrive,
  type VmHardware,
  type VmPortForward,
} from './vm-args.js';

/** Options of {@link startVmProcess} (and `QemuVm.start`). */
export interface StartVmOptions {
  /**
   * Directory for the QMP socket, pid file, log and state file; created if missing. Keep it
   * short: the socket path must fit in 107 bytes.
   */
  runDir: string;
  /** The qcow2 disks, attached as virtio drives in this order. */
  drives: readonly VmDrive[];
  /** Guest RAM. Small guests make savevm/loadvm fast. @default 64 */
  memoryMiB?: number | undefined;
  /**
   * The rest of the hardware (accelerator, CPUs, kernel, CD-ROMs, network cards). A port
   * forward with `hostPort` 0 gets a free port of the host's loopback interface.
   */
  hardware?: VmHardware | undefined;
  /** Resume from a migration stream instead of booting (`-incoming`, e.g. `exec:cat FILE`). */
  incoming?: string | undefined;
  /** Recorded in the run directory's state file for whoever finds the vm later. */
  meta?: Record<string, unknown> | undefined;
  /** Start with the CPUs stopped (`-S`, status `prelaunch`) until `cont`. @default false */
  paused?: boolean | undefined;
  /**
   * Let the vm outlive this process: it runs in its own session, writes only to its log file,
   * and is not killed when node exits. A later process finds it with `QemuVm.attach`.
   * @default false (the vm is killed when this process exits)
   */
  detached?: boolean | undefined;
  /** Guest name (`-name`), shown by `ps`. */
  name?: string | undefined;
  /** More qemu-system arguments, appended after cartograph's own (never through a shell). */
  extraArgs?: readonly string[] | undefined;
  /** The program. @default 'qemu-system-x86_64' */
  binary?: string | undefined;
  /** Milliseconds until QMP must be ready (a TCG vm needs ~25 ms). @default 10_000 */
  startTimeoutMs?: number | undefined;
  /** Default timeout of QMP commands. @default 60_000 */
  commandTimeoutMs?: number | undefined;
  /** Cancels the start (`QEMU_ABORTED`); a half-started vm is killed. */
  signal?: AbortSignal | undefined;
}

/** A vm process whose QMP monitor is ready. */
export interface StartedVm {
  /** The files of its run directory. */
  paths: VmRunPaths;
  /** Pid of the qemu-system process. */
  pid: number;
  /** The program and arguments, as started and as recorded in the state file. */
  command: readonly string[];
  /** The drives with their ids and node names. */
  drives: readonly ResolvedVmDrive[];
  /** The guest-visible machine, as recorded in the state file. */
  machine: GuestMachine;
  /** Host ports forwarded to guest ports, by nic id. */
  forwards: Record<string, VmPortForward[]>;
  /** Whether it runs in its own session, to outlive this process. */
  detached: boolean;
  /** The connected QMP client (capabilities negotiated). */
  qmp: QmpClient;
  /** The child process handle, when this process started it. */
  child: { unref: () => void } | undefined;
}

const DEFAULT_BINARY = 'qemu-system-x86_64';
const TERM_WAIT_MS = 1_000;
// QEMU opens the QMP socket before the drives, so it can accept a client and then exit over
// a bad drive; give a dying vm this long to finish dying before we call it stuck.
const DYING_GRACE_MS = 2_000;

/** Ends a process: SIGTERM, then SIGKILL. Resolves with whether SIGKILL was needed. */
async function terminate(pid: number): Promise<boolean> {
  signalProcess(pid, 'SIGTERM');
  if (await waitForProcessExit(pid, TERM_WAIT_MS)) return false;
  signalProcess(pid, 'SIGKILL');
  await waitForProcessExit(pid, TERM_WAIT_MS);
  return true;
}

/** A port of the host's loopback interface that nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** The hardware with a free host port for every forward that asks for one (`hostPort` 0). */
async function withHostPorts(hardware: VmHardware | undefined): Promise<VmHardware | undefined> {
  if (hardware?.nics === undefined) return hardware;
  const nics = [];
  for (const nic of hardware.nics) {
    const forwards: VmPortForward[] = [];
    for (const f of nic.forwards ?? []) {
      forwards.push({ ...f, hostPort: f.hostPort === 0 ? await freePort() : f.hostPort });
    }
    nics.push({ ...nic, forwards });
  }
  return { ...hardware, nics };
}

// A free port can be taken by someone else between our check and QEMU's bind.
const PORT_RACE = /Could not set up host forwarding rule/;
const PORT_ATTEMPTS = 3;

/**
 * Starts `qemu-system-x86_64` for a vm and connects to its QMP monitor. A vm that dies while
 * starting fails with the tail of its log: `QEMU_IMAGE_LOCKED` / `QEMU_IMAGE_MISSING` when the
 * log says so, else `QEMU_VM`; one whose QMP does not come up in time is killed
 * (`QEMU_TIMEOUT`). A run directory that still describes a running vm is refused (`QEMU_VM`);
 * a stale one is cleaned first. Nothing is left behind when the start fails. Forwarded host
 * ports chosen here are chosen again when another process took one first.
 */
export async function startVmProcess(options: StartVmOptions): Promise<StartedVm> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const raced = error instanceof QemuCommandError && PORT_RACE.test(error.stderrTail);
      const chosen = options.hardware?.nics?.some((n) => n.forwards?.some((f) => f.hostPort === 0));
      if (!raced || chosen !== true || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function startOnce(options: StartVmOptions): Promise<StartedVm> {
  const paths = vmRunPaths(options.runDir);
  const binary = options.binary ?? DEFAULT_BINARY;
  const detached = options.detached ?? false;
  const memoryMiB = options.memoryMiB ?? 64;
  const paused = options.paused ?? false;
  const hardware = await withHostPorts(options.hardware);
  const { args, drives } = buildVmArgs({
    drives: options.drives,
    memoryMiB,
    hardware,
    qmpSocket: paths.socket,
    pidFile: paths.pidFile,
    serial: { socket: paths.serialSocket, log: paths.consoleLog },
    agentSocket: paths.agentSocket,
    paused,
    name: options.name,
    incoming: options.incoming,
    extraArgs: options.extraArgs,
  });
  const machine = guestMachine({ drives, memoryMiB, hardware });
  const forwards = Object.fromEntries(
    (hardware?.nics ?? []).map((n) => [n.id, [...(n.forwards ?? [])]]),
  );
  const command = [binary, ...args];
  const shown = formatCommandLine(command);
  const userAborted = (): boolean => options.signal?.aborted === true;
  if (userAborted()) {
    throw new QemuError('QEMU_ABORTED', `${shown} was not started: aborted`, {
      cause: options.signal?.reason,
    });
  }
  await mkdir(paths.runDir, { recursive: true, mode: 0o700 });
  // Refuses a live vm; repairs and removes the leftovers of a dead one (and the directory).
  await cleanStaleRunDir(paths.runDir);
  await mkdir(paths.runDir, { recursive: true, mode: 0o700 });

  const log = await open(paths.log, 'w', 0o600);
  // execa hands any integer fd straight to spawn(); its types only list the small ones.
  const logFd = log.fd as unknown as StdoutStderrOption;
  let subprocess;
  try {
    subprocess = execa(binary, args, {
      reject: false,
      detached,
      // A detached vm must not die with us; an attached one must not outlive us.
      cleanup: !detached,
      stdin: 'ignore',
      // Straight into the log file, never a pipe: a detached vm writing to a pipe whose
      // reader (this process) has exited would get SIGPIPE.
      stdout: logFd,
      stderr: logFd,
      buffer: false,
    });
  } finally {
    await log.close();
  }
  const exited = subprocess.then((result) => result);
  const pid = subprocess.pid;
  if (pid === undefined) {
    const result = await exited;
    await removeRunFiles(paths);
    const notFound = result.code === 'ENOENT';
    throw new QemuCommandError(
      notFound ? 'QEMU_NOT_FOUND' : 'QEMU_VM',
      notFound
        ? `${binary} is not installed (not on PATH)`
        : `${shown} could not run: ${result.shortMessage ?? ''}`,
      { command, cause: result.cause },
    );
  }

  const died = new AbortController();
  void exited.then(() => {
    died.abort();
  });
  const signal =
    options.signal === undefined ? died.signal : AbortSignal.any([died.signal, options.signal]);
  try {
    await writeVmRunState(paths.stateFile, {
      version: 2,
      pid,
      command,
      drives,
      memoryMiB,
      machine,
      forwards,
      ...(options.meta === undefined ? {} : { meta: options.meta }),
      paused,
      detached,
      startedAt: new Date().toISOString(),
    });
    const qmp = await QmpClient.connect(paths.socket, {
      timeoutMs: options.startTimeoutMs ?? 10_000,
      commandTimeoutMs: options.commandTimeoutMs,
      signal,
    });
    return { paths, pid, command, drives, machine, forwards, detached, qmp, child: subprocess };
  } catch (error) {
    // After a timeout or an abort the vm may be alive and well, and we end it. Otherwise (the
    // monitor closed on us, the process exited) it is dying by itself and its log says why.
    const ours = userAborted() || (error instanceof QemuError && error.code === 'QEMU_TIMEOUT');
    const diedByItself =
      !isProcessAlive(pid) || (!ours && (await waitForProcessExit(pid, DYING_GRACE_MS)));
    const killed = diedByItself ? false : await terminate(pid);
    const result = await exited;
    const stderrTail = await readLogTail(paths.log);
    // Killed while it held its images: they may have leaked clusters. Best effort: the start
    // error below is what the caller needs to see.
    if (killed) await repairLeaks(drives.map((d) => d.file)).catch(() => undefined);
    await removeRunFiles(paths);
    const details = {
      command,
      exitCode: result.exitCode,
      signal: result.signal,
      stderrTail,
      cause: error,
    };
    if (userAborted()) {
      throw new QemuCommandError('QEMU_ABORTED', `${shown}: start aborted`, details);
    }
    if (!diedByItself) {
      const code =
        error instanceof QemuError && error.code === 'QEMU_TIMEOUT' ? 'QEMU_TIMEOUT' : 'QEMU_VM';
      const reason = error instanceof Error ? error.message : String(error);
      throw new QemuCommandError(code, `${shown}: QMP did not come up: ${reason}`, details);
    }
    const { code, image } = classifyQemuFailure(stderrTail);
    const said = tailText(stderrTail, 3).replaceAll('\n', ' ');
    throw new QemuCommandError(
      code === 'QEMU_IMAGE_LOCKED' || code === 'QEMU_IMAGE_MISSING' ? code : 'QEMU_VM',
      `${shown} exited while starting${said === '' ? '' : `: ${said}`}`,
      { ...details, image },
    );
  }
}
