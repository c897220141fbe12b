/**
 * One place that turns "the caller aborted", "the channel was closed" and "the time is up"
 * into one AbortSignal, and remembers which of them fired so that the right error is thrown.
 */
import { GuestError } from '../errors.js';

/** Why a call was stopped. */
export type StopCause = 'timeout' | 'aborted' | 'closed';

/** Options of {@link CallStopper}. */
export interface CallStopperOptions {
  /** The caller's signal: stops with `aborted`. */
  signal?: AbortSignal | undefined;
  /** The channel's close signal: stops with `closed`. */
  closeSignal?: AbortSignal | undefined;
  /** Stops with `timeout` after this many milliseconds; no timer when not given. */
  timeoutMs?: number | undefined;
}

/**
 * A signal that aborts when the caller's signal or the channel's close signal aborts, or when
 * a timer runs out. {@link error} names the cause with its code: `GUEST_TIMEOUT` for the
 * timer, `GUEST_ABORTED` for the signals. Call {@link dispose} when the call is over.
 */
export class CallStopper {
  readonly #controller = new AbortController();
  readonly #what: string;
  readonly #timeoutMs: number | undefined;
  readonly #cleanups: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #cause: StopCause | undefined;
  #reason: unknown;

  constructor(what: string, options: CallStopperOptions) {
    this.#what = what;
    this.#timeoutMs = options.timeoutMs;
    this.#watch(options.signal, 'aborted');
    this.#watch(options.closeSignal, 'closed');
    if (options.timeoutMs !== undefined && this.#cause === undefined) {
      this.#timer = setTimeout(() => {
        this.stop('timeout');
      }, options.timeoutMs);
    }
  }

  /** Aborts when the call must stop. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Why the call was stopped, once it was. */
  get cause(): StopCause | undefined {
    return this.#cause;
  }

  /** Stops the call now (the first cause wins). */
  stop(cause: StopCause, reason?: unknown): void {
    if (this.#cause !== undefined) return;
    this.#cause = cause;
    this.#reason = reason;
    this.#controller.abort(this.error());
  }

  /** Stops the timer (e.g. the command ended; what is left is transfer). */
  cancelTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The coded error of the cause (`GUEST_TIMEOUT` or `GUEST_ABORTED`). */
  error(): GuestError {
    switch (this.#cause) {
      case 'timeout':
        return new GuestError(
          'GUEST_TIMEOUT',
          `${this.#what}: did not end within ${this.#timeoutMs ?? 0} ms; it was ended`,
        );
      case 'closed':
        return new GuestError('GUEST_ABORTED', `${this.#what}: the channel was closed`);
      case 'aborted':
      case undefined:
        return new GuestError('GUEST_ABORTED', `${this.#what}: aborted`, { cause: this.#reason });
    }
  }

  /** Throws {@link error} when the call was stopped. */
  throwIfStopped(): void {
    if (this.#cause !== undefined) throw this.error();
  }

  /** Removes the timer and listeners. */
  dispose(): void {
    this.cancelTimer();
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
  }

  #watch(signal: AbortSignal | undefined, cause: StopCause): void {
    if (signal === undefined) return;
    if (signal.aborted) {
      this.stop(cause, signal.reason);
      return;
    }
    const onAbort = (): void => {
      this.stop(cause, signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.#cleanups.push(() => {
      signal.removeEventListener('abort', onAbort);
    });
  }
}
