/**
 * Finding running vms: each vm object's run directory (short enough for its sockets) and the
 * vm that runs there, if any.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StateError } from '../../errors.js';
import {
  cleanStaleRunDir,
  findRunningVm,
  type GuestMachine,
  guestMachine,
  LONGEST_RUN_SOCKET,
  MAX_SOCKET_PATH_BYTES,
  type VmPortForward,
  type VmRunPaths,
} from '../../qemu/index.js';
import { resolvedContext, type ResolvedContext, type StateContext } from '../ops/index.js';
import type { StateTarget, VmTarget } from '../target.js';

/** A vm that runs, as found through its run directory. */
export interface RunningVm {
  /** The vm object's id. */
  readonly vmId: string;
  readonly pid: number;
  /** Its run directory (pid file, log, state file, QMP socket). */
  readonly runDir: string;
  /** The QMP unix socket (for `CARTOGRAPH_QMP_<VM>`); QEMU serves one client at a time. */
  readonly qmpSocket: string;
  /** The serial console's socket, its log, and the guest agent's socket. */
  readonly serialSocket: string;
  readonly consoleLog: string;
  readonly agentSocket: string;
  /** The images it runs with (absolute paths), in drive order. */
  readonly images: readonly string[];
  /** The guest-visible machine it runs (what a vm state saved from it is bound to). */
  readonly machine: GuestMachine;
  /** Host ports forwarded to guest ports, by nic id. */
  readonly forwards: Readonly<Record<string, readonly VmPortForward[]>>;
  /** What the starter recorded with it (how to reach and shut down its guest). */
  readonly meta: Readonly<Record<string, unknown>>;
}

/** The running vm's description from what its run directory says. */
export function runningVm(
  vmId: string,
  pid: number,
  paths: VmRunPaths,
  found: {
    drives: readonly { file: string }[];
    machine: GuestMachine;
    forwards: Readonly<Record<string, readonly VmPortForward[]>>;
    meta?: Readonly<Record<string, unknown>> | undefined;
  },
): RunningVm {
  return {
    vmId,
    pid,
    runDir: paths.runDir,
    qmpSocket: paths.socket,
    serialSocket: paths.serialSocket,
    consoleLog: paths.consoleLog,
    agentSocket: paths.agentSocket,
    images: found.drives.map((d) => d.file),
    machine: found.machine,
    forwards: found.forwards,
    meta: found.meta ?? {},
  };
}

/** Where a vm's run directory is. */
export interface VmRunDir {
  /** The directory used. */
  readonly dir: string;
  /** `<runDir>/<vm id>`, the directory asked for. */
  readonly wanted: string;
  /** Whether `wanted` was too long for its sockets and `dir` is the short fallback. */
  readonly fallback: boolean;
}

const SOCKET = LONGEST_RUN_SOCKET;

/**
 * The run directory of vm `vmId` under `runDir` (absolute). When its longest socket would pass
 * the 107-byte limit of unix socket paths, a short directory under the system temp directory
 * is used instead, named by a hash of the wanted path: every process computes the same one,
 * so a vm booted by one command is found by the next.
 */
export function vmRunDir(runDir: string, vmId: string): VmRunDir {
  const wanted = join(runDir, vmId);
  if (Buffer.byteLength(join(wanted, SOCKET)) <= MAX_SOCKET_PATH_BYTES) {
    return { dir: wanted, wanted, fallback: false };
  }
  const hash = createHash('sha256').update(wanted).digest('hex').slice(0, 20);
  const uid = process.getuid?.() ?? 0;
  let dir = join(tmpdir(), `cartograph-${uid}`, hash);
  // An unusually long TMPDIR: /tmp is short on every unix.
  if (Buffer.byteLength(join(dir, SOCKET)) > MAX_SOCKET_PATH_BYTES) {
    dir = join('/tmp', `cartograph-${uid}`, hash);
  }
  return { dir, wanted, fallback: true };
}

/**
 * The run directory a vm will be started in. For a short fallback directory (the wanted one is
 * too long for its sockets) its parent under the shared temp directory must be ours and
 * private, the choice is recorded in `<runDir>/<vm id>.run-dir`, and an event says so.
 */
export async function prepareRunDir(vmId: string, ctx: ResolvedContext): Promise<string> {
  const where = vmRunDir(ctx.runDir, vmId);
  await mkdir(ctx.runDir, { recursive: true });
  if (!where.fallback) return where.dir;
  const parent = dirname(where.dir);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const stat = await lstat(parent);
  const uid = process.getuid?.();
  // A directory someone else made in /tmp could be used to swap our socket or pid file.
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
    throw new StateError(
      'STATE_REFUSED',
      `${parent} (for the run directory of ${vmId}) is not a private directory of this user`,
      { hint: 'remove it, or use a shorter run directory' },
    );
  }
  await writeFile(join(ctx.runDir, `${vmId}.run-dir`), `${where.dir}\n`);
  ctx.emit({ type: 'run-dir-fallback', target: vmId, wanted: where.wanted, used: where.dir });
  return where.dir;
}

/**
 * The running vm of `vmId`, or `undefined`. A run directory left by a vm that died is cleaned
 * on the way (its images get their leaked clusters repaired), so that a dead vm never keeps
 * an image "in use".
 */
export async function locateVm(vmId: string, ctx: ResolvedContext): Promise<RunningVm | undefined> {
  const { dir } = vmRunDir(ctx.runDir, vmId);
  const found = await findRunningVm(dir);
  switch (found.status) {
    case 'none':
      return undefined;
    case 'stale': {
      const cleanup = await cleanStaleRunDir(dir, ctx.qemu);
      ctx.emit({
        type: 'vm-stale-cleaned',
        target: vmId,
        runDir: dir,
        repaired: cleanup.repairs.filter((r) => r.result !== undefined).map((r) => r.file),
      });
      return undefined;
    }
    case 'running':
      return runningVm(vmId, found.pid, found.paths, {
        drives: found.state.drives,
        machine: found.state.machine ?? guestMachine(found.state),
        forwards: found.state.forwards ?? {},
        meta: found.state.meta,
      });
  }
}

/**
 * The running vm of a target (a vm, or the vm an image belongs to), found through its run
 * directory without taking its QMP monitor; `undefined` when it is not running (the leftovers
 * of a vm that died are cleaned up on the way). `qmpSocket` is what `CARTOGRAPH_QMP_<VM>`
 * should point at.
 */
export function findVm(target: StateTarget, ctx: StateContext): Promise<RunningVm | undefined> {
  return locateVm(target.vmId, resolvedContext(ctx));
}

/** The running vm of a target; `STATE_MISSING` (its root `boot` is missing) when it is off. */
export async function requireRunningVm(
  target: VmTarget,
  state: string,
  ctx: ResolvedContext,
): Promise<RunningVm> {
  const running = await locateVm(target.vmId, ctx);
  if (running === undefined) {
    throw new StateError(
      'STATE_MISSING',
      `${target.id} is not running: vm state "${state}" needs the vm booted`,
      {
        hint: 'boot it (cartograph boot), or let check_mode create the root (its default rf does)',
      },
    );
  }
  return running;
}
