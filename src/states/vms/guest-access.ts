/**
 * Reaching into the guest of a running vm: how (`guest_access`: its serial console or the QEMU
 * guest agent), with which login and prompts, and the operations on top — run a command,
 * copy a file in or out, wait until a booting guest answers, ask it to power off. One caller
 * at a time per vm talks to a channel (QEMU serves one client per socket, and a shell is one
 * session): callers in this process and in others queue on the vm's guest lock, never on the
 * object locks a node holds, so a node's own command can reach the vms it holds.
 */
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, GuestError } from '../../errors.js';
import {
  type GuestChannel,
  type GuestExecOptions,
  type GuestExecResult,
  openGuestChannel,
} from '../../guest/index.js';
import { connectUnixSocket } from '../../qemu/index.js';
import type { LockFile } from '../locks/index.js';
import { type ResolvedContext, resolvedContext, type StateContext } from '../ops/index.js';
import type { VmTarget } from '../target.js';
import { locateVm, type RunningVm } from './run-dirs.js';

/** The ways into a guest; `none` for a vm whose disk holds no reachable system. */
export const GUEST_ACCESS = ['serial', 'agent', 'none'] as const;
export type GuestAccess = (typeof GUEST_ACCESS)[number];

/** How to reach a vm's guest, from its params (avocado-vt's names where it has them). */
export interface GuestAccessSpec {
  /** `guest_access`. @default 'none' */
  readonly access: GuestAccess;
  /** `guest_username` / `guest_password`: the login the serial console asks for. */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** `login_prompt`, `password_prompt`, `shell_prompt`: regular expressions (sources). */
  readonly loginPrompt?: string | undefined;
  readonly passwordPrompt?: string | undefined;
  readonly shellPrompt?: string | undefined;
  /** `guest_boot_timeout` (seconds): how long a booting guest may take to answer. @default 120 */
  readonly bootTimeoutMs: number;
  /** `guest_shutdown_timeout` (seconds): how long it may take to power off. @default 60 */
  readonly shutdownTimeoutMs: number;
  /** `guest_shutdown_command`: what powers the guest off. @default `poweroff` */
  readonly shutdownCommand: string;
}

function seconds(target: VmTarget, key: string, fallback: number): number {
  const v = target.params.get(key)?.trim() ?? '';
  if (v === '') return fallback * 1000;
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0) {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `${key} = ${JSON.stringify(v)} of ${target.id}: expected seconds (a positive number)`,
    );
  }
  return Number(v) * 1000;
}

function regex(target: VmTarget, key: string): string | undefined {
  const v = target.params.get(key);
  if (v === undefined || v === '') return undefined;
  try {
    new RegExp(v, 'm');
  } catch (error) {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `${key} = ${JSON.stringify(v)} of ${target.id}: not a regular expression (${String(error)})`,
    );
  }
  return v;
}

/** The guest access of a vm target, its params checked. */
export function guestAccessOf(target: VmTarget): GuestAccessSpec {
  const access = target.params.get('guest_access')?.trim() || 'none';
  if (!(GUEST_ACCESS as readonly string[]).includes(access)) {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `guest_access = ${JSON.stringify(access)} of ${target.id}: expected serial, agent or none`,
    );
  }
  return {
    access: access as GuestAccess,
    username: target.params.get('guest_username'),
    password: target.params.get('guest_password'),
    loginPrompt: regex(target, 'login_prompt'),
    passwordPrompt: regex(target, 'password_prompt'),
    shellPrompt: regex(target, 'shell_prompt'),
    bootTimeoutMs: seconds(target, 'guest_boot_timeout', 120),
    shutdownTimeoutMs: seconds(target, 'guest_shutdown_timeout', 60),
    shutdownCommand: target.params.get('guest_shutdown_command')?.trim() || 'poweroff',
  };
}

/** The guest access a running vm was booted with (recorded in its run directory). */
export function bootedGuestAccess(running: RunningVm): GuestAccessSpec | undefined {
  const guest = running.meta.guest;
  return typeof guest === 'object' && guest !== null ? (guest as GuestAccessSpec) : undefined;
}

/** Options of the guest operations. */
export interface GuestCallOptions {
  /** Another transport than the vm's `guest_access`. */
  readonly access?: Exclude<GuestAccess, 'none'> | undefined;
  /** How long to wait for the channel (the shell's login, the agent's answer). @default 30 s */
  readonly connectTimeoutMs?: number | undefined;
  /** Who is asking, recorded in the guest lock for whoever waits for it. */
  readonly owner?: string | undefined;
}

/** Opens the channel `spec` describes to a running vm's guest. */
async function open(
  running: RunningVm,
  spec: GuestAccessSpec,
  access: Exclude<GuestAccess, 'none'>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<GuestChannel> {
  const pattern = (source: string | undefined): RegExp | undefined =>
    source === undefined ? undefined : new RegExp(source, 'm');
  return openGuestChannel(
    access,
    { serial: running.serialSocket, agent: running.agentSocket },
    {
      username: spec.username,
      password: spec.password,
      loginPrompt: pattern(spec.loginPrompt),
      passwordPrompt: pattern(spec.passwordPrompt),
      shellPrompt: pattern(spec.shellPrompt),
      timeoutMs,
      signal,
    },
  );
}

/**
 * Runs `fn` with a channel to the guest of a running vm, holding the vm's guest lock (in this
 * process and across processes) so that one caller at a time talks to it.
 */
export async function withGuestChannel<T>(
  running: RunningVm,
  spec: GuestAccessSpec,
  ctx: ResolvedContext,
  fn: (channel: GuestChannel) => Promise<T>,
  options: GuestCallOptions = {},
): Promise<T> {
  const access = options.access ?? (spec.access === 'none' ? undefined : spec.access);
  if (access === undefined) {
    throw new GuestError('GUEST_BAD_ACCESS', `${running.vmId} has no guest access configured`, {
      hint: 'set guest_access = serial or agent for the vm (or pass --access)',
    });
  }
  // The guest of this running vm: clones of the vm run under other run directories.
  const key = `guest:${running.runDir}`;
  return ctx.locks.with([key], async () => {
    const release = await ctx.fileLocks.acquire([guestLock(running, ctx)], {
      owner: options.owner ?? `cartograph (pid ${process.pid})`,
      timeoutMs: ctx.lockTimeoutMs,
      signal: ctx.signal,
      onWait: (what, holder) => {
        ctx.emit({ type: 'lock-wait', target: running.vmId, what, holder });
      },
    });
    try {
      const channel = await open(
        running,
        spec,
        access,
        options.connectTimeoutMs ?? 30_000,
        ctx.signal,
      );
      try {
        return await fn(channel);
      } finally {
        await channel.close().catch(() => undefined);
      }
    } finally {
      await release();
    }
  });
}

/**
 * Runs `fn` with the raw serial console socket of a running vm (for an interactive console),
 * holding the vm's guest lock meanwhile so that no command is framed through it at the same
 * time.
 */
export async function withSerialConsole<T>(
  target: VmTarget,
  ctx: StateContext,
  fn: (socket: Socket, running: RunningVm) => Promise<T>,
): Promise<T> {
  const rctx = resolvedContext(ctx);
  const running = await runningGuest(target, rctx);
  return rctx.locks.with([`guest:${running.runDir}`], async () => {
    const release = await rctx.fileLocks.acquire([guestLock(running, rctx)], {
      owner: `cartograph console (pid ${process.pid})`,
      timeoutMs: rctx.lockTimeoutMs,
      signal: rctx.signal,
      onWait: (what, holder) => {
        rctx.emit({ type: 'lock-wait', target: running.vmId, what, holder });
      },
    });
    try {
      const socket = await connectUnixSocket(running.serialSocket, {
        timeoutMs: 5_000,
        signal: rctx.signal,
        what: `the serial console of ${running.vmId}`,
      });
      try {
        return await fn(socket, running);
      } finally {
        socket.destroy();
      }
    } finally {
      await release();
    }
  });
}

/** The lock file that keeps callers of one vm's guest channel apart. */
function guestLock(running: RunningVm, ctx: ResolvedContext): LockFile {
  return {
    file: join(ctx.runDir, `${running.vmId}.guest.lock`),
    what: `the guest of ${running.vmId}`,
  };
}

/**
 * How to reach the guest of a running vm: as it was booted (the params of the node that
 * booted it may differ from the objects config), else from the target's params.
 */
function specOf(running: RunningVm, target: VmTarget): GuestAccessSpec {
  return bootedGuestAccess(running) ?? guestAccessOf(target);
}

/** The running vm of a target, or `GUEST_NOT_RUNNING`. */
async function runningGuest(target: VmTarget, ctx: ResolvedContext): Promise<RunningVm> {
  const running = await locateVm(target.vmId, ctx);
  if (running === undefined) {
    throw new GuestError('GUEST_NOT_RUNNING', `${target.id} is not running`, {
      hint: 'boot it first (cartograph boot), or run the command from a node that boots it',
    });
  }
  return running;
}

/**
 * Runs `fn` with a channel to the guest of a target's running vm (`GUEST_NOT_RUNNING` when it
 * is off), reached as it was booted, under the vm's guest lock.
 */
async function withTargetGuest<T>(
  target: VmTarget,
  options: GuestCallOptions,
  ctx: StateContext,
  fn: (channel: GuestChannel) => Promise<T>,
): Promise<T> {
  const rctx = resolvedContext(ctx);
  const running = await runningGuest(target, rctx);
  return withGuestChannel(running, specOf(running, target), rctx, fn, options);
}

/**
 * Runs a command in the guest of a running vm: `argv` is quoted for the guest, never re-split;
 * stdout and stderr come back apart and byte-exact with the command's exit status.
 */
export function execInGuest(
  target: VmTarget,
  argv: readonly string[],
  options: GuestCallOptions & GuestExecOptions,
  ctx: StateContext,
): Promise<GuestExecResult> {
  return withTargetGuest(target, options, ctx, (channel) =>
    channel.exec(argv, {
      stdin: options.stdin,
      timeoutMs: options.timeoutMs,
      signal: options.signal ?? ctx.signal,
      env: options.env,
    }),
  );
}

/** Writes `data` to `path` in the guest of a running vm. */
export function writeGuestFile(
  target: VmTarget,
  path: string,
  data: Uint8Array,
  options: GuestCallOptions & { mode?: number; timeoutMs?: number },
  ctx: StateContext,
): Promise<void> {
  return withTargetGuest(target, options, ctx, (channel) =>
    channel.writeFile(path, data, {
      mode: options.mode,
      timeoutMs: options.timeoutMs,
      signal: ctx.signal,
    }),
  );
}

/** The content of `path` in the guest of a running vm. */
export function readGuestFile(
  target: VmTarget,
  path: string,
  options: GuestCallOptions & { timeoutMs?: number },
  ctx: StateContext,
): Promise<Buffer> {
  return withTargetGuest(target, options, ctx, (channel) =>
    channel.readFile(path, { timeoutMs: options.timeoutMs, signal: ctx.signal }),
  );
}

/** The last lines the guest printed on its console, without terminal escapes. */
export async function consoleTail(running: RunningVm, lines = 15): Promise<string> {
  let text: string;
  try {
    text = await readFile(running.consoleLog, 'latin1');
  } catch {
    return '';
  }
  return (
    text
      .slice(-16_384)
      // eslint-disable-next-line no-control-regex -- terminal escapes and carriage returns.
      .replace(/\x1b\[[0-9;?]*[A-Za-z]|\r/g, '')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-lines)
      .join('\n')
  );
}

/**
 * Waits until the guest of a vm that was just booted answers on its channel (a shell prompt
 * after logging in, or the agent's sync), within `guest_boot_timeout`. A guest that does not
 * is `GUEST_UNREACHABLE` with the tail of its console, which usually says why.
 */
export async function waitForGuest(
  running: RunningVm,
  spec: GuestAccessSpec,
  ctx: ResolvedContext,
): Promise<void> {
  if (spec.access === 'none') return;
  const deadline = performance.now() + spec.bootTimeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    const left = deadline - performance.now();
    try {
      await withGuestChannel(running, spec, ctx, (channel) => channel.exec(['true']), {
        connectTimeoutMs: Math.max(1_000, Math.min(left, 10_000)),
        owner: `boot of ${running.vmId}`,
      });
      return;
    } catch (error) {
      // A wrong password or a cancelled wait does not get better by trying again.
      if (error instanceof GuestError && ['GUEST_LOGIN', 'GUEST_ABORTED'].includes(error.code)) {
        throw error;
      }
      if (ctx.signal?.aborted === true) throw error;
      last = error;
      await sleep(100);
    }
  }
  const tail = await consoleTail(running);
  throw new GuestError(
    'GUEST_UNREACHABLE',
    `the guest of ${running.vmId} did not answer on its ${spec.access === 'agent' ? 'guest agent' : 'serial console'} within ${spec.bootTimeoutMs / 1000} s (guest_boot_timeout)${tail === '' ? ': its console printed nothing' : `; its console ends with:\n${tail}`}`,
    { cause: last },
  );
}

/**
 * Asks the guest of a running vm to power off (`guest_shutdown_command` in its shell, or
 * through the agent), without waiting for it: the caller waits for the vm to exit.
 */
export async function askGuestToPowerOff(
  running: RunningVm,
  spec: GuestAccessSpec,
  ctx: ResolvedContext,
): Promise<void> {
  // Started in the background so that the command's own end is not awaited: the shell or
  // the agent goes down with the guest.
  const command = `(sleep 0.2; ${spec.shutdownCommand}) >/dev/null 2>&1 &`;
  await withGuestChannel(
    running,
    spec,
    ctx,
    (channel) => channel.exec(['/bin/sh', '-c', command], { timeoutMs: 10_000 }),
    { connectTimeoutMs: 10_000, owner: `shutdown of ${running.vmId}` },
  );
}
