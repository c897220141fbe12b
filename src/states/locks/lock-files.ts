/**
 * Cross-process lock files: created exclusively, taken over from dead holders, waited on
 * (saying for whom), and released.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, readdir, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CartographError } from '../../errors.js';
import { isProcessAlive } from '../../qemu/index.js';
import { createExclusive, newToken } from '../../shared/index.js';
import {
  isHolderAlive,
  type LockHolder,
  parseLockHolder,
  processIdentity,
  type ProcessIdentity,
  readLockHolder,
} from './lock-holder.js';
import { StateLockedError } from './object-locks.js';

/** The lock file of an in-process lock key, and what it protects (for messages). */
export interface LockFile {
  readonly file: string;
  readonly what: string;
}

/**
 * Where the cross-process lock of a lock key (`lockKeys`) lives: an image's next to it
 * (`.<image file>.lock`), a pool directory's inside it (`.pool.lock`), a vm's in the run
 * directory beside the vm's own directory (`<vm id>.lock`, where every process looks for the
 * vm). Files next to what they protect serve every process that works on it, whatever its
 * run directory or working directory.
 */
export function lockFileOf(key: string, runDir: string): LockFile {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const value = key.slice(colon + 1);
  switch (kind) {
    case 'image':
      return { file: join(dirname(value), `.${basename(value)}.lock`), what: `image ${value}` };
    case 'pool':
      return { file: join(value, '.pool.lock'), what: `pool ${value}` };
    case 'vm':
      // `<run dir>/<vm id>` (`lockKeys`), or a bare vm id under `runDir`.
      return isAbsolute(value)
        ? { file: `${value}.lock`, what: `vm ${basename(value)}` }
        : { file: join(runDir, `${value}.lock`), what: `vm ${value}` };
    default:
      throw new CartographError('INTERNAL', `unknown lock key ${key}`);
  }
}

/**
 * Removes the temporary files (`<lock>.<pid>.<hex>.tmp`, see `createExclusive`) that processes
 * killed while creating lock file `file` left beside it. Called by the holder of the lock, so
 * no live process is creating it meanwhile; temporary files of live processes stay anyway.
 */
export async function sweepLockTemps(file: string): Promise<void> {
  const name = basename(file);
  const dir = dirname(file);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(`${name}.`) || !entry.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(entry.slice(name.length + 1));
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    await unlink(join(dir, entry)).catch(() => undefined);
  }
}

/** How a set of lock files is taken. */
export interface LockFilesOptions {
  /** What the holder does, recorded in the lock files for messages. */
  readonly owner: string;
  /** How long to wait for locks held by others, in total; 0 fails at once. */
  readonly timeoutMs: number;
  /** Stops the wait (`STATE_LOCKED`, "cancelled"). */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called once per lock that another live process holds, when the wait for it begins: a
   * caller that may wait for minutes says who it waits for instead of hanging silently.
   */
  readonly onWait?: ((what: string, holder: LockHolder) => void) | undefined;
}

interface Holding {
  count: number;
  readonly token: string;
  /** Directories to remove (when empty) on release, from the lock's own up to this one. */
  pruneUpTo: string | undefined;
}

const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 250;
/** Dead takers of dead holders' locks, one behind the other; beyond this, wait and time out. */
const MAX_TAKEOVER_DEPTH = 8;

const instances = new Set<LockFiles>();
let exitHook = false;

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Cross-process locks as files, one per protected thing (`lockFileOf`). A lock file is created
 * exclusively (`createExclusive`) and holds its holder (`LockHolder`: pid, host, owner, since
 * when, a random token); it is removed on release. Lock sets are taken in sorted order, so two
 * processes cannot wait on each other.
 *
 * - **Re-entrant per process**: a lock this process holds is taken again at once (counted),
 *   so a caller may hold an object's locks around operations that take them again. Exclusion
 *   between tasks of one process is `StateLocks`'s job, not this one's.
 * - **Stale locks** (the holder died: see `isHolderAlive`) are taken over. Only the process
 *   that creates `<lock>.break-<token of the dead holder>` exclusively may remove the dead
 *   holder's file, and it removes it only while the file still carries that token; tokens are
 *   never reused, so two processes can never both believe they took the same lock over. A
 *   taker that dies itself leaves a break file that is taken over the same way.
 * - **Waiting** polls with a growing pause (10 ms up to 250 ms) until `timeoutMs`, then throws
 *   `StateLockedError` (`STATE_LOCKED`) naming the holder; `onWait` hears when a wait begins.
 *
 * Locks still held when the process exits normally are removed by an exit hook; after a crash
 * they are stale and the next process takes them over.
 */
export class LockFiles {
  /** The locks of this process. */
  static readonly shared = new LockFiles();

  readonly #held = new Map<string, Holding>();
  readonly #identity: ProcessIdentity;

  /** `identity` is for tests that play several processes in one. */
  constructor(identity: ProcessIdentity = processIdentity()) {
    this.#identity = identity;
  }

  /**
   * Takes every lock (sorted, each once); resolves with the function that releases them. On
   * failure the locks already taken are released again.
   */
  async acquire(
    locks: readonly LockFile[],
    options: LockFilesOptions,
  ): Promise<() => Promise<void>> {
    const byFile = new Map(locks.map((l) => [l.file, l]));
    const sorted = [...byFile.values()].sort((a, b) => (a.file < b.file ? -1 : 1));
    const deadline = performance.now() + Math.max(0, options.timeoutMs);
    const taken: string[] = [];
    try {
      for (const lock of sorted) {
        await this.#take(lock, options, deadline);
        taken.push(lock.file);
      }
    } catch (error) {
      await this.#releaseAll(taken);
      throw error;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await this.#releaseAll(taken);
    };
  }

  /** Whether this process holds `file` (for tests and diagnostics). */
  isHeld(file: string): boolean {
    return this.#held.has(file);
  }

  /**
   * Asks that the directory of a held lock file be removed after the lock, when empty: an
   * operation that removed the last thing in it (`clean` of an image) would otherwise leave it
   * behind because of the lock file.
   */
  pruneOnRelease(file: string): void {
    const held = this.#held.get(file);
    if (held !== undefined) held.pruneUpTo ??= dirname(file);
  }

  #holder(owner: string): LockHolder {
    return {
      ...this.#identity,
      owner,
      startedAt: new Date().toISOString(),
      token: newToken(),
    };
  }

  async #take(lock: LockFile, options: LockFilesOptions, deadline: number): Promise<void> {
    const started = performance.now();
    let pause = FIRST_POLL_MS;
    let told = false;
    for (;;) {
      const held = this.#held.get(lock.file);
      if (held !== undefined) {
        held.count += 1;
        return;
      }
      const holder = this.#holder(options.owner);
      const made = await this.#create(lock.file, holder);
      if (made !== false) {
        this.#held.set(lock.file, { count: 1, token: holder.token, pruneUpTo: made.createdDir });
        this.#hookExit();
        return;
      }
      const current = await readLockHolder(lock.file);
      if (current === undefined) continue;
      if (!isHolderAlive(current) && (await this.#takeOver(lock.file, current, 0))) continue;
      if (this.#held.has(lock.file)) continue;
      if (options.signal?.aborted === true) {
        throw new StateLockedError(
          lock.file,
          lock.what,
          current,
          performance.now() - started,
          'cancelled while waiting',
        );
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new StateLockedError(lock.file, lock.what, current, performance.now() - started);
      }
      if (!told) {
        told = true;
        options.onWait?.(lock.what, current);
      }
      try {
        await sleep(Math.min(pause, left), undefined, { signal: options.signal });
      } catch {
        // Aborted: reported at the top of the next round.
      }
      pause = Math.min(MAX_POLL_MS, pause * 1.5);
    }
  }

  /**
   * Creates a lock file for `holder` (and its directory when missing). Resolves with `false`
   * when it exists, else with the first directory that had to be made (to remove on release).
   */
  async #create(
    file: string,
    holder: LockHolder,
  ): Promise<false | { createdDir: string | undefined }> {
    const text = `${JSON.stringify({ format: 1, ...holder })}\n`;
    let createdDir: string | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        if (!(await createExclusive(file, text))) return false;
        // Creators killed half-way leave their temporary file: the new holder clears them.
        await sweepLockTemps(file);
        return { createdDir };
      } catch (error) {
        // The directory is missing (or was just pruned by a releasing holder): make it.
        if (errno(error) !== 'ENOENT' || attempt > 3) throw error;
        createdDir = (await mkdir(dirname(file), { recursive: true })) ?? createdDir;
      }
    }
  }

  /**
   * Removes the lock file of a dead holder, if this process is the one to do it (see the class
   * comment). Resolves with `true` when the caller should look again at once, `false` when a
   * live process is busy taking it over (wait).
   */
  async #takeOver(file: string, dead: LockHolder, depth: number): Promise<boolean> {
    if (depth > MAX_TAKEOVER_DEPTH) return false;
    const breakFile = `${file}.break-${dead.token.slice(0, 32)}`;
    const me = this.#holder(`taking over ${basename(file)} from pid ${dead.pid}`);
    let mine: boolean;
    try {
      mine = (await this.#create(breakFile, me)) !== false;
    } catch (error) {
      if (errno(error) === 'ENOENT') return true;
      throw error;
    }
    if (!mine) {
      const taker = await readLockHolder(breakFile);
      if (taker === undefined) return true;
      if (isHolderAlive(taker)) return false;
      await this.#takeOver(breakFile, taker, depth + 1);
      return true;
    }
    try {
      // Only the dead holder's file goes: by now it may be someone else's fresh lock.
      const current = await readLockHolder(file);
      if (current?.token === dead.token) {
        await unlink(file).catch((error: unknown) => {
          if (errno(error) !== 'ENOENT') throw error;
        });
      }
    } finally {
      await unlink(breakFile).catch(() => undefined);
    }
    return true;
  }

  async #releaseAll(files: readonly string[]): Promise<void> {
    for (const file of [...files].reverse()) await this.#release(file);
  }

  async #release(file: string): Promise<void> {
    const held = this.#held.get(file);
    if (held === undefined) return;
    held.count -= 1;
    if (held.count > 0) return;
    this.#held.delete(file);
    const current = await readLockHolder(file).catch(() => undefined);
    if (current?.token === held.token) await unlink(file).catch(() => undefined);
    if (held.pruneUpTo !== undefined) {
      for (let dir = dirname(file); ; dir = dirname(dir)) {
        try {
          await rmdir(dir);
        } catch {
          break;
        }
        if (dir === held.pruneUpTo || dirname(dir) === dir) break;
      }
    }
  }

  #hookExit(): void {
    instances.add(this);
    if (exitHook) return;
    exitHook = true;
    process.once('exit', () => {
      for (const instance of instances) instance.#dropAllSync();
    });
  }

  /** At exit: removes the lock files still held (a normal exit is not a crash). */
  #dropAllSync(): void {
    for (const [file, held] of this.#held) {
      try {
        if (parseLockHolder(readFileSync(file, 'utf8'), '').token === held.token) {
          unlinkSync(file);
        }
      } catch {
        // Gone already, or unreadable: nothing to do at exit.
      }
    }
    this.#held.clear();
  }
}
