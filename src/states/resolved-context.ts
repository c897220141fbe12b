import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { ImageInfo, QemuCallOptions } from '../qemu/index.js';
import { LockFiles } from './lock-files.js';
import type { StateContext } from './state-context.js';
import type { StateEvent } from './state-event.js';
import { StateLocks } from './state-locks.js';
import type { StateManifestInput } from './state-manifest.js';
import type { StateTarget } from './state-target.js';

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
  };
}
