/**
 * A vm's run directory: the files cartograph keeps there (QMP, serial console and guest agent
 * sockets, console log, pid file, QEMU's log, state file), telling a live vm from a dead one's
 * leftovers, and cleaning those up.
 */
import { readFileSync } from 'node:fs';
import { readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { QemuError } from '../../errors.js';
import { isProcessAlive } from '../../shared/index.js';
import { tailText } from '../errors.js';
import { type ImageRepair, type QemuCallOptions, repairLeaks } from '../img/index.js';
import { MAX_SOCKET_PATH_BYTES } from '../unix-socket.js';
import type { GuestMachine, ResolvedVmDrive, VmPortForward } from './vm-args.js';

/** The files of a vm's run directory. */
export interface VmRunPaths {
  /** The run directory, absolute. */
  runDir: string;
  /** QMP unix socket. */
  socket: string;
  /** The serial console's unix socket (one client at a time). */
  serialSocket: string;
  /** Everything the guest printed on its serial console, appended. */
  consoleLog: string;
  /** The guest agent channel's unix socket. */
  agentSocket: string;
  /** Pid file QEMU writes (and keeps locked while it runs). */
  pidFile: string;
  /** QEMU's stdout and stderr. */
  log: string;
  /** JSON description of the vm (pid, command line, drives) for a later process. */
  stateFile: string;
}

/** The longest socket name in a run directory: what decides whether a directory is short enough. */
export const LONGEST_RUN_SOCKET = 'serial.sock';

/**
 * The paths of the files cartograph keeps in a vm's run directory. Throws `QEMU_BAD_ARGUMENT`
 * when a socket path would exceed the unix limit of 107 bytes: use a short run directory
 * (under /tmp or $XDG_RUNTIME_DIR), not one deep inside a workspace.
 */
export function vmRunPaths(runDir: string): VmRunPaths {
  const dir = resolve(runDir);
  const bytes = Buffer.byteLength(join(dir, LONGEST_RUN_SOCKET));
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new QemuError(
      'QEMU_BAD_ARGUMENT',
      `run directory ${dir} is too long for the vm's sockets (${bytes} > ${MAX_SOCKET_PATH_BYTES} bytes)`,
      { hint: 'use a shorter run directory, e.g. one made with mkdtemp under /tmp' },
    );
  }
  return {
    runDir: dir,
    socket: join(dir, 'qmp.sock'),
    serialSocket: join(dir, LONGEST_RUN_SOCKET),
    consoleLog: join(dir, 'console.log'),
    agentSocket: join(dir, 'qga.sock'),
    pidFile: join(dir, 'qemu.pid'),
    log: join(dir, 'qemu.log'),
    stateFile: join(dir, 'vm.json'),
  };
}

/**
 * The JSON state file (`vm.json`) in a vm's run directory: enough for a later process to find
 * the vm again, prove the pid is still that vm, and repair its images if it died.
 */
export interface VmRunState {
  /** Format version of this file (1: before machines and forwards were recorded). */
  version: 1 | 2;
  /** Pid of the qemu-system process. */
  pid: number;
  /** The program and its arguments, exactly as started (compared with /proc/<pid>/cmdline). */
  command: string[];
  drives: ResolvedVmDrive[];
  memoryMiB: number;
  /** The guest-visible machine (what a vm state saved from it is bound to). */
  machine?: GuestMachine;
  /** Host ports forwarded to guest ports, by nic id. */
  forwards?: Record<string, VmPortForward[]>;
  /** What the starter recorded with the vm for whoever finds it later (kept as it is). */
  meta?: Record<string, unknown>;
  /** Whether it was started with `-S`. */
  paused: boolean;
  /** Whether it was started to outlive the process that started it. */
  detached: boolean;
  /** ISO time of the start. */
  startedAt: string;
}

/** Writes a run directory's state file atomically (temp file, then rename). */
export async function writeVmRunState(path: string, state: VmRunState): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isDrive(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return typeof d.file === 'string' && typeof d.id === 'string' && typeof d.nodeName === 'string';
}

/**
 * Reads a run directory's state file; `undefined` if there is none. A file that is not a
 * version-1 state is `QEMU_VM` (something else wrote it; cartograph will not guess).
 */
export async function readVmRunState(path: string): Promise<VmRunState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new QemuError('QEMU_VM', `vm state file ${path} is not JSON`, { cause: error });
  }
  const s = json as Partial<Record<keyof VmRunState, unknown>> | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    (s.version !== 1 && s.version !== 2) ||
    typeof s.pid !== 'number' ||
    !isStringArray(s.command) ||
    !Array.isArray(s.drives) ||
    !s.drives.every(isDrive) ||
    typeof s.memoryMiB !== 'number' ||
    typeof s.paused !== 'boolean' ||
    typeof s.detached !== 'boolean' ||
    typeof s.startedAt !== 'string' ||
    (s.meta !== undefined && (typeof s.meta !== 'object' || s.meta === null))
  ) {
    throw new QemuError(
      'QEMU_VM',
      `vm state file ${path} is not a cartograph vm state (version 1 or 2)`,
    );
  }
  return s as VmRunState;
}

/** The pid in a QEMU pid file, or `undefined` when the file is missing or not a pid. */
export async function readPidFile(path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The last lines of a vm's log file; empty when there is none. */
export async function readLogTail(path: string): Promise<string> {
  try {
    return tailText(await readFile(path, 'utf8'));
  } catch {
    return '';
  }
}

/**
 * Whether `pid` is alive and runs exactly `command` (program and arguments as cartograph
 * started it). A pid from a file may have been reused by an unrelated process after the vm
 * died; only the same command line proves it is still that vm.
 */
export function isVmProcess(pid: number, command: readonly string[]): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  const argv = cmdline.split('\0');
  if (argv.at(-1) === '') argv.pop();
  return argv.length === command.length && argv.every((arg, i) => arg === command[i]);
}

/**
 * Removes the files cartograph and QEMU keep in a run directory, then the directory itself if
 * nothing else is in it (a caller's own files are left alone).
 */
export async function removeRunFiles(paths: VmRunPaths): Promise<void> {
  // The state file goes first: without it nobody will take the directory for a live vm.
  for (const file of [
    paths.stateFile,
    paths.socket,
    paths.serialSocket,
    paths.agentSocket,
    paths.consoleLog,
    paths.pidFile,
    paths.log,
  ]) {
    await rm(file, { force: true });
  }
  try {
    await rmdir(paths.runDir);
  } catch {
    // Not empty or already gone: both fine.
  }
}

/**
 * What a run directory holds: no vm (`none`), the leftovers of a vm that is gone (`stale`:
 * its images may need `cleanStaleRunDir`), or a vm that runs (`running`).
 */
export type RunDirStatus =
  | { readonly status: 'none'; readonly paths: VmRunPaths }
  | { readonly status: 'stale'; readonly paths: VmRunPaths; readonly state: VmRunState }
  | {
      readonly status: 'running';
      readonly paths: VmRunPaths;
      readonly state: VmRunState;
      readonly pid: number;
    };

/**
 * Looks at a run directory without connecting to QMP (QEMU serves one client at a time, so
 * asking "is it running?" must not take the monitor from whoever holds it). A vm counts as
 * running only when its pid is alive and runs the recorded command line.
 */
export async function findRunningVm(runDir: string): Promise<RunDirStatus> {
  const paths = vmRunPaths(runDir);
  const state = await readVmRunState(paths.stateFile);
  if (state === undefined) return { status: 'none', paths };
  const pid = (await readPidFile(paths.pidFile)) ?? state.pid;
  return isVmProcess(pid, state.command)
    ? { status: 'running', paths, state, pid }
    : { status: 'stale', paths, state };
}

/** What {@link cleanStaleRunDir} found and did. */
export interface StaleRunDirCleanup {
  /** Whether the directory described a vm (that is gone). */
  found: boolean;
  /** The leak repairs of that vm's images. */
  repairs: ImageRepair[];
}

/**
 * Cleans up after a vm that died without `stop()` (killed, crashed, host rebooted): repairs
 * leaked clusters of its images and removes the run files. Throws `QEMU_VM` if the vm is in
 * fact still running.
 */
export async function cleanStaleRunDir(
  runDir: string,
  options: QemuCallOptions = {},
): Promise<StaleRunDirCleanup> {
  const paths = vmRunPaths(runDir);
  const state = await readVmRunState(paths.stateFile);
  if (state === undefined) {
    await removeRunFiles(paths);
    return { found: false, repairs: [] };
  }
  const pid = (await readPidFile(paths.pidFile)) ?? state.pid;
  if (isVmProcess(pid, state.command)) {
    throw new QemuError('QEMU_VM', `the vm in ${paths.runDir} is still running (pid ${pid})`, {
      hint: 'attach to it and stop it instead',
    });
  }
  const repairs = await repairLeaks(
    state.drives.map((d) => d.file),
    options,
  );
  await removeRunFiles(paths);
  return { found: true, repairs };
}
