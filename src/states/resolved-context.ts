import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { ImageInfo, QemuCallOptions } from '../qemu/index.js';
import type { StateContext } from './state-context.js';
import type { StateEvent } from './state-event.js';
import { StateLocks } from './state-locks.js';

/** A {@link StateContext} with every default filled in; internal to `src/states`. */
export interface ResolvedContext {
  readonly cwd: string;
  /** Absolute. */
  readonly runDir: string;
  readonly signal: AbortSignal | undefined;
  readonly emit: (event: StateEvent) => void;
  readonly locks: StateLocks;
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
    concurrency: Math.max(1, ctx.concurrency ?? availableParallelism()),
    qemu: ctx.signal === undefined ? {} : { signal: ctx.signal },
  };
}
