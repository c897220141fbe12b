/**
 * What every state operation runs with: the caller's context (working directory, run
 * directory, events, manifests, cancellation) and the events operations emit.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { ImageInfo, QemuCallOptions } from '../../qemu/index.js';
import type { BackendName } from '../backends/index.js';
import { LockFiles, type LockHolder, StateLocks } from '../locks/index.js';
import type { StateManifestInput } from '../records/index.js';
import type { StateTarget } from '../target.js';
import type { StateResult } from './results.js';

/** The operations that work on states and roots, as they appear in results and events. */
export type StateOp =
  'get' | 'set' | 'unset' | 'create' | 'clean' | 'boot' | 'shutdown' | 'convert';

/**
 * What state operations report while they work; core code never prints, the CLI and the
 * scheduler's reporters subscribe through `StateContext.onEvent`.
 */
export type StateEvent =
  /** An operation on one object begins. */
  | {
      readonly type: 'state-start';
      readonly op: StateOp;
      readonly target: string;
      readonly state: string;
      readonly backend: BackendName;
    }
  /** An operation on one object ended (aborts end with a thrown `StateAbortError` instead). */
  | { readonly type: 'state-end'; readonly result: StateResult }
  /** An image was created (`qemu-img create`), converted from `raw_image`, or removed. */
  | {
      readonly type: 'image-created' | 'image-converted' | 'image-removed';
      readonly target: string;
      readonly image: string;
    }
  /** A vm was started (detached; found again through its run directory). */
  | {
      readonly type: 'vm-booted';
      readonly target: string;
      readonly pid: number;
      readonly runDir: string;
      readonly qmpSocket: string;
    }
  /** The guest of a vm just booted answers on its channel (`guest_access`). */
  | {
      readonly type: 'guest-ready';
      readonly target: string;
      readonly access: 'serial' | 'agent';
    }
  /** A vm was stopped; `method` says how far the escalation went. */
  | {
      readonly type: 'vm-stopped';
      readonly target: string;
      readonly method: 'shutdown' | 'quit' | 'sigterm' | 'sigkill' | 'gone';
      readonly reason: string;
      /** Images whose leaked clusters were repaired (after a kill). */
      readonly repaired: readonly string[];
    }
  /** The run directory of a vm that had died was cleaned and its images repaired. */
  | {
      readonly type: 'vm-stale-cleaned';
      readonly target: string;
      readonly runDir: string;
      readonly repaired: readonly string[];
    }
  /** The run directory under `StateContext.runDir` was too long for a QMP socket. */
  | {
      readonly type: 'run-dir-fallback';
      readonly target: string;
      readonly wanted: string;
      readonly used: string;
    }
  /** An unset took down states built on the one removed (`unset_dependents = yes`). */
  | {
      readonly type: 'states-removed';
      readonly target: string;
      readonly state: string;
      readonly dependents: readonly string[];
    }
  /** The active image was moved onto another backing file to keep its content. */
  | {
      readonly type: 'image-rebased';
      readonly target: string;
      readonly image: string;
      /** The new backing file, `null` for none. */
      readonly onto: string | null;
      readonly reason: string;
    }
  /** Another cartograph process holds a lock of the objects (`what` it protects): waiting. */
  | {
      readonly type: 'lock-wait';
      /** The objects being locked, comma-separated ids. */
      readonly target: string;
      readonly what: string;
      readonly holder: LockHolder;
    };

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
  /**
   * What becomes of a guest's unsaved work when a vm stops under this context: `keep` asks a
   * reachable guest to power off first (it writes what it cached); `discard` quits at once,
   * for vms whose disks only hold what states saved already.
   * @default 'keep'
   */
  readonly stopFor?: 'keep' | 'discard' | undefined;
}

/** How long an operation waits for another process's locks unless told otherwise. */
const DEFAULT_LOCK_TIMEOUT_MS = 600_000;

/** A {@link StateContext} with every default filled in; internal to `src/states`. */
export interface ResolvedContext {
  readonly cwd: string;
  /** Absolute. */
  readonly runDir: string;
  readonly signal: AbortSignal | undefined;
  readonly emit: (event: StateEvent) => void;
  readonly locks: StateLocks;
  /** The cross-process locks of this process (re-entrant). */
  readonly fileLocks: LockFiles;
  readonly lockTimeoutMs: number;
  readonly manifestFor: (target: StateTarget, state: string) => StateManifestInput | undefined;
  readonly concurrency: number;
  /** Options for every QEMU call (the cancel signal). */
  readonly qemu: QemuCallOptions;
  /**
   * Read-only `qemu-img info -U` answers shared by one batch of read-only questions (probes),
   * so that many states of one image cost one run; absent where images change.
   */
  readonly infoCache?: Map<string, Promise<ImageInfo>>;
  /**
   * Why a vm booted under this context is booted: to use it (wait until its guest answers, as
   * `guest_access` says: the default) or to restore a vm state into it (nothing to wait for).
   */
  readonly bootFor?: 'use' | 'restore';
  /** See {@link StateContext.stopFor}. */
  readonly stopFor: 'keep' | 'discard';
}

/** Fills in the defaults of a context (resolving `runDir` against `cwd`). */
export function resolvedContext(ctx: StateContext): ResolvedContext {
  const cwd = resolve(ctx.cwd);
  const onEvent = ctx.onEvent;
  return {
    cwd,
    runDir: resolve(cwd, ctx.runDir),
    signal: ctx.signal,
    emit:
      onEvent === undefined
        ? () => undefined
        : (event) => {
            onEvent(event);
          },
    locks: ctx.locks ?? StateLocks.shared,
    fileLocks: LockFiles.shared,
    lockTimeoutMs: Math.max(0, ctx.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS),
    manifestFor: ctx.manifestFor ?? (() => undefined),
    concurrency: Math.max(1, ctx.concurrency ?? availableParallelism()),
    qemu: ctx.signal === undefined ? {} : { signal: ctx.signal },
    stopFor: ctx.stopFor ?? 'keep',
  };
}
