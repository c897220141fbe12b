/**
 * Locks on objects: the lock keys of a target (its images, pool directories and vm), holding
 * them in this process and across processes while an operation runs.
 */
import { join } from 'node:path';
import { StateError } from '../../errors.js';
import { resolvedContext, type ResolvedContext, type StateContext } from '../ops/index.js';
import { imagePath, poolDir } from '../pool/index.js';
import { recoverTarget, type Recovery } from '../recovery/index.js';
import { distinctImagesOf, type StateTarget } from '../target.js';
import { lockFileOf } from './lock-files.js';
import { describeLockHolder, type LockHolder } from './lock-holder.js';

/**
 * Exclusive in-process locks on named resources (`image:<path>`, `pool:<dir>`, `vm:<id>`), so
 * that two state operations never interleave on one image, pool or vm. Keys are taken in
 * sorted order, so two holders of overlapping key sets cannot wait on each other. Across
 * processes the same keys are lock files (`LockFiles`, taken after these): those are re-entrant
 * within a process, so exclusion between tasks of one process is this class's job alone.
 */
export class StateLocks {
  /** The locks every operation uses unless its context brings its own. */
  static readonly shared = new StateLocks();

  readonly #queues = new Map<string, (() => void)[]>();

  /** Resolves when every key is held; the returned function releases them (once). */
  async acquire(keys: readonly string[]): Promise<() => void> {
    const sorted = [...new Set(keys)].sort();
    const held: string[] = [];
    for (const key of sorted) {
      await this.#take(key);
      held.push(key);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of held) this.#give(key);
    };
  }

  /** Runs `fn` while holding `keys`. */
  async with<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(keys);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Whether a key is held now (for tests and diagnostics). */
  isHeld(key: string): boolean {
    return this.#queues.has(key);
  }

  #take(key: string): Promise<void> {
    const queue = this.#queues.get(key);
    if (queue === undefined) {
      this.#queues.set(key, []);
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  }

  #give(key: string): void {
    const queue = this.#queues.get(key);
    const next = queue?.shift();
    if (next !== undefined) next();
    else this.#queues.delete(key);
  }
}

/**
 * A cross-process lock did not come free in time (`STATE_LOCKED`): names the lock file, what it
 * protects and who holds it (pid, host, owner, since when), so a user can tell a long run from
 * a hung one.
 */
export class StateLockedError extends StateError {
  /** The lock file. */
  readonly lockFile: string;
  /** What the lock protects (`image /…/disk.qcow2`, `pool /…/image1`, `vm vm1-tiny`). */
  readonly what: string;
  readonly holder: LockHolder;

  constructor(lockFile: string, what: string, holder: LockHolder, waitedMs: number, why = '') {
    super(
      'STATE_LOCKED',
      `${what} is locked by ${describeLockHolder(holder)}` +
        (why === '' ? `; gave up after ${Math.round(waitedMs)} ms` : `; ${why}`),
      {
        hint:
          `wait for it to finish, or allow a longer wait (lock timeout); the lock file is ${lockFile}, ` +
          'and a lock whose process has died is taken over by the next one who asks',
      },
    );
    this.lockFile = lockFile;
    this.what = what;
    this.holder = holder;
  }
}

/**
 * The in-process lock keys of an operation on a target: its vm (run directory, QMP), the
 * active image of every image involved, and for qcow2ext the image's pool directory (two
 * variants of a vm may share an active image but not a pool directory, and the other way
 * round).
 */
export function lockKeys(target: StateTarget, cwd: string, runDir: string): string[] {
  const images = target.kind === 'images' ? [target] : target.images;
  // The vm as it runs under this run directory: clones of it run under others.
  const keys = [`vm:${join(runDir, target.vmId)}`];
  for (const image of images) {
    keys.push(`image:${imagePath(image, cwd)}`);
    if (image.params.get('states') === 'qcow2ext') keys.push(`pool:${poolDir(image, cwd)}`);
  }
  return keys;
}

/**
 * Takes the cross-process locks of objects (their vms, active images and qcow2ext pool
 * directories: the same locks their state operations take) and resolves with the function
 * that releases them. Meant for a caller that keeps objects for longer than one operation (the
 * scheduler, for a whole node): no other cartograph process touches them meanwhile, while this
 * process's own operations take the locks again at once (they are re-entrant per process).
 * Exclusion between tasks of this process stays the caller's (`StateLocks`); lock a vm target
 * rather than its images alone, so that every lock its operations need is taken up front, in
 * one sorted order (taking more later could deadlock with another process).
 *
 * Waits up to `ctx.lockTimeoutMs` (default 10 minutes; 0: not at all) for locks another
 * process holds (a `lock-wait` event names the holder when the wait begins), then throws
 * `StateLockedError` (`STATE_LOCKED`) naming the holder; a lock of a process that died is
 * taken over. `owner` is recorded in the lock files for such messages.
 */
export async function lockObjects(
  targets: readonly StateTarget[],
  ctx: StateContext & { owner?: string },
): Promise<() => Promise<void>> {
  const rctx = resolvedContext(ctx);
  const keys = [...new Set(targets.flatMap((t) => lockKeys(t, rctx.cwd, rctx.runDir)))];
  return rctx.fileLocks.acquire(
    keys.map((k) => lockFileOf(k, rctx.runDir)),
    {
      owner: ctx.owner ?? `cartograph (${targets.map((t) => t.id).join(', ')})`,
      timeoutMs: rctx.lockTimeoutMs,
      signal: rctx.signal,
      onWait: (what, holder) => {
        rctx.emit({ type: 'lock-wait', target: targets.map((t) => t.id).join(', '), what, holder });
      },
    },
  );
}

/**
 * Runs `fn` on objects with their locks held: first the in-process locks (`StateLocks`), then
 * the cross-process lock files of the same keys (`LockFiles`: re-entrant in a process, waiting
 * up to `ctx.lockTimeoutMs` for another process). Before `fn` starts, whatever an interrupted
 * operation left on the objects is dealt with (`recoverTarget`); `fn` gets what was done.
 */
export function withObjectLocks<T>(
  targets: readonly StateTarget[],
  keys: readonly string[],
  owner: string,
  ctx: ResolvedContext,
  fn: (recovered: readonly Recovery[]) => Promise<T>,
): Promise<T> {
  return ctx.locks.with(keys, async () => {
    const release = await ctx.fileLocks.acquire(
      keys.map((k) => lockFileOf(k, ctx.runDir)),
      {
        owner,
        timeoutMs: ctx.lockTimeoutMs,
        signal: ctx.signal,
        onWait: (what, holder) => {
          ctx.emit({
            type: 'lock-wait',
            target: targets.map((t) => t.id).join(', '),
            what,
            holder,
          });
        },
      },
    );
    try {
      const recovered: Recovery[] = [];
      for (const target of targets) recovered.push(...(await recoverTarget(target, ctx)));
      return await fn(recovered);
    } finally {
      await release();
    }
  });
}

/**
 * {@link withObjectLocks} over `targets` and the pool directories of their images: what a
 * maintenance operation (`verify --repair`, `gc`) holds while it changes stored states that
 * several objects may share.
 */
export function withPoolLocks<T>(
  targets: readonly StateTarget[],
  owner: string,
  ctx: ResolvedContext,
  fn: (recovered: readonly Recovery[]) => Promise<T>,
): Promise<T> {
  const keys = new Set(targets.flatMap((t) => lockKeys(t, ctx.cwd, ctx.runDir)));
  for (const image of distinctImagesOf(targets)) {
    if ((image.params.get('swarm_pool') ?? '') !== '') keys.add(`pool:${poolDir(image, ctx.cwd)}`);
  }
  return withObjectLocks(targets, [...keys], owner, ctx, fn);
}
