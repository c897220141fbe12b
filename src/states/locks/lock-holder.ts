/**
 * Who holds a lock: the process identity recorded in lock files and markers (host, boot,
 * pid namespace, pid and start time), and whether that holder may still be alive.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isProcessAlive } from '../../qemu/index.js';
import { processStartTime, readProcText } from '../../shared/index.js';

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

/** What identifies a process across processes of one machine (see {@link LockHolder}). */
export type ProcessIdentity = Pick<LockHolder, 'pid' | 'host' | 'boot' | 'pidns' | 'start'>;

let self: ProcessIdentity | undefined;

/** The identity of this process (read once). */
export function processIdentity(): ProcessIdentity {
  self ??= {
    pid: process.pid,
    host: hostname(),
    boot: readProcText(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidns: readProcText(() => readlinkSync('/proc/self/ns/pid')),
    start: processStartTime(process.pid),
  };
  return self;
}

const optional = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The holder recorded in a lock file or marker. Content that is not a holder (a file damaged
 * or written by hand) yields a holder on this host with pid 0, which counts as dead, so that
 * such a file never blocks forever; its token is a hash of the content, so it is recognised
 * again.
 */
export function parseLockHolder(text: string, fallbackTime: string): LockHolder {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (
      typeof v.pid === 'number' &&
      Number.isSafeInteger(v.pid) &&
      typeof v.host === 'string' &&
      typeof v.token === 'string' &&
      v.token !== ''
    ) {
      return {
        pid: v.pid,
        host: v.host,
        owner: optional(v.owner) ?? '',
        startedAt: optional(v.startedAt) ?? fallbackTime,
        token: v.token,
        boot: optional(v.boot),
        pidns: optional(v.pidns),
        start: typeof v.start === 'number' ? v.start : undefined,
      };
    }
  }
  return {
    pid: 0,
    host: processIdentity().host,
    owner: 'unreadable lock file',
    startedAt: fallbackTime,
    token: createHash('sha256').update(text).digest('hex').slice(0, 32),
  };
}

/** The holder recorded in a lock file or marker; `undefined` when there is no such file. */
export async function readLockHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return parseLockHolder(text, info.mtime.toISOString());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** `pid 4242 on host1 (cartograph run …) since 2026-…`: who holds a lock, for messages. */
export function describeLockHolder(holder: LockHolder): string {
  const owner = holder.owner === '' ? '' : ` (${holder.owner})`;
  return `pid ${holder.pid} on ${holder.host}${owner} since ${holder.startedAt}`;
}

/**
 * Whether the holder of a lock (or the writer of a marker) may still be alive. Only a holder
 * on this host, in this pid namespace, can be judged: it is dead when the machine rebooted
 * since (another boot id), its pid is gone, or its pid now belongs to a process started at
 * another time (a reused pid). Anything that cannot be judged counts as alive, so that a lock
 * is never taken from a process that may still work.
 */
export function isHolderAlive(holder: LockHolder): boolean {
  const me = processIdentity();
  if (holder.host !== me.host) return true;
  // pid 0 marks an unreadable record; kill(0) would ask about our own process group.
  if (holder.pid <= 0) return false;
  if (holder.boot !== undefined && me.boot !== undefined && holder.boot !== me.boot) return false;
  if (holder.pidns !== undefined && me.pidns !== undefined && holder.pidns !== me.pidns) {
    return true;
  }
  if (!isProcessAlive(holder.pid)) return false;
  if (holder.start !== undefined) {
    const start = processStartTime(holder.pid);
    if (start !== undefined && start !== holder.start) return false;
  }
  return true;
}
