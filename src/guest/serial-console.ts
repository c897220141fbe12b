/**
 * The byte pipe to a guest's serial console: a unix socket QEMU serves. Turns what comes in
 * into cleaned lines for listeners and lets callers wait for a condition with a signal and a
 * periodic tick; knows nothing of shells.
 */
import type { Socket } from 'node:net';
import { GuestError } from '../errors.js';
import { ConsoleText } from './console-text.js';
import { connectGuestSocket } from './guest-socket.js';

/** A periodic callback while waiting (to poke the guest or give up). */
export interface WaitTick {
  everyMs: number;
  /** Called every `everyMs`; throwing ends the wait with that error. */
  onTick: () => void;
}

const RECENT_LINES = 40;
const CLOSE_GRACE_MS = 500;

/** One connection to a serial console socket. */
export class SerialConsole {
  readonly path: string;
  readonly #socket: Socket;
  readonly #text = new ConsoleText();
  readonly #lineListeners = new Set<(line: string) => void>();
  readonly #waiters = new Set<() => void>();
  readonly #recent: string[] = [];
  readonly #closed: Promise<void>;
  #closeError: GuestError | undefined;
  #socketError: Error | undefined;
  #lastDataAt = Date.now();
  #received = 0;

  private constructor(socket: Socket, path: string) {
    this.#socket = socket;
    this.path = path;
    socket.on('data', (chunk: Buffer) => {
      this.#onData(chunk);
    });
    socket.on('error', (error) => {
      this.#socketError = error;
    });
    this.#closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#closeError ??= new GuestError(
          'GUEST_NOT_RUNNING',
          `serial console ${path} closed: the vm exited or dropped the connection`,
          { cause: this.#socketError },
        );
        this.#wake();
        resolve();
      });
    });
  }

  /** Connects, retrying while the socket does not exist or refuses until `timeoutMs`. */
  static async connect(
    path: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<SerialConsole> {
    const socket = await connectGuestSocket(path, 'serial console', timeoutMs, signal);
    return new SerialConsole(socket, path);
  }

  /** When the last bytes came (ms since the epoch). */
  get lastDataAt(): number {
    return this.#lastDataAt;
  }

  /** How many bytes came so far (to tell whether anything came since a moment). */
  get received(): number {
    return this.#received;
  }

  /** The cleaned line being written now (where a prompt stands). */
  get tail(): string {
    return this.#text.tail;
  }

  /** Set once the connection is gone. */
  get closeError(): GuestError | undefined {
    return this.#closeError;
  }

  /** The last lines and the tail, for error messages. */
  recentText(maxChars = 1500): string {
    const text = [...this.#recent, this.#text.tail].filter((line) => line.trim() !== '').join('\n');
    return text.length > maxChars ? `…${text.slice(text.length - maxChars + 1)}` : text;
  }

  /** Sends bytes (text as UTF-8: the protocol is ASCII, a password may not be). */
  write(data: string | Buffer): void {
    if (this.#closeError !== undefined) return;
    this.#socket.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /** Calls `listener` with every complete cleaned line from now on; returns an unsubscriber. */
  onLine(listener: (line: string) => void): () => void {
    this.#lineListeners.add(listener);
    return () => this.#lineListeners.delete(listener);
  }

  /**
   * Resolves when `done()` holds (checked after every chunk and tick), rejects with the
   * signal's reason when it aborts, with `GUEST_NOT_RUNNING` when the connection closes, or
   * with what `done` or the tick throws.
   */
  wait(done: () => boolean, signal: AbortSignal, tick?: WaitTick): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (error?: unknown): void => {
        this.#waiters.delete(check);
        signal.removeEventListener('abort', onAbort);
        clearInterval(timer);
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error('wait failed', { cause: error }));
      };
      const check = (): void => {
        try {
          if (done()) finish();
          else if (this.#closeError !== undefined) finish(this.#closeError);
        } catch (error) {
          finish(error);
        }
      };
      const onAbort = (): void => {
        finish(signal.reason);
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(check);
      if (tick !== undefined) {
        timer = setInterval(() => {
          try {
            tick.onTick();
            check();
          } catch (error) {
            finish(error);
          }
        }, tick.everyMs);
      }
      check();
    });
  }

  /** Closes the connection; the guest keeps running. */
  async close(): Promise<void> {
    if (this.#closeError === undefined) {
      this.#closeError = new GuestError('GUEST_ABORTED', `serial console ${this.path}: closed`);
      this.#socket.end();
      const timer = setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS);
      await this.#closed;
      clearTimeout(timer);
      return;
    }
    this.#socket.destroy();
    await this.#closed;
  }

  #onData(chunk: Buffer): void {
    this.#lastDataAt = Date.now();
    this.#received += chunk.length;
    for (const line of this.#text.push(chunk)) {
      if (line.trim() !== '') {
        this.#recent.push(line);
        if (this.#recent.length > RECENT_LINES) this.#recent.shift();
      }
      for (const listener of [...this.#lineListeners]) listener(line);
    }
    this.#wake();
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
