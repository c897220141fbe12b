/**
 * The QEMU guest agent protocol on its virtio-serial socket: newline-delimited JSON commands
 * and replies, synchronised with `guest-sync-delimited` (the agent answers after a 0xFF byte,
 * and everything before that byte is left over from earlier clients), replies matched by id.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { GuestError } from '../errors.js';
import { connectGuestSocket } from './guest-socket.js';

/** Options of one agent request. */
export interface AgentRequestOptions {
  /** Stops waiting with the signal's reason; the agent may still run the command. */
  signal?: AbortSignal | undefined;
  /** Milliseconds before the request fails with `GUEST_UNREACHABLE`. */
  timeoutMs: number;
}

interface Pending {
  id: string;
  command: string;
  settled: boolean;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  cleanup: () => void;
}

const DELIMITER = 0xff;
const CLOSE_GRACE_MS = 500;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One connection to a guest agent socket. {@link sync} must succeed before requests (and again
 * after a request timed out: the agent's answers may be out of step).
 */
export class AgentConnection {
  readonly path: string;
  readonly #socket: Socket;
  readonly #pending: Pending[] = [];
  readonly #closed: Promise<void>;
  readonly #idPrefix = `cg-${randomBytes(4).toString('hex')}-`;
  readonly #syncIds = new Set<number>();
  #nextId = 1;
  #parts: Buffer[] = [];
  #skipToDelimiter = false;
  #synced = false;
  #syncWaiter: ((id: number) => void) | undefined;
  #closeError: GuestError | undefined;
  #socketError: Error | undefined;

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
        this.#onClose();
        resolve();
      });
    });
  }

  /** Connects, retrying while the socket does not exist or refuses until `timeoutMs`. */
  static async connect(
    path: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<AgentConnection> {
    const socket = await connectGuestSocket(path, 'guest agent', timeoutMs, signal);
    return new AgentConnection(socket, path);
  }

  /** Whether the last sync succeeded and no request has timed out since. */
  get synced(): boolean {
    return this.#synced && this.#closeError === undefined;
  }

  /**
   * Synchronises: sends 0xFF (the agent drops any half-read command) and `guest-sync-delimited`
   * with a random id, drops everything up to the agent's 0xFF, and waits for that id. Sent
   * again with a new id, backing off, until `timeoutMs`: an agent that is still starting
   * reads them all late, and any of the ids counts. `GUEST_UNREACHABLE` when none comes.
   */
  async sync(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.#synced = false;
    for (let attempt = 0; ; attempt++) {
      if (this.#closeError !== undefined) throw this.#closeError;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new GuestError(
          'GUEST_UNREACHABLE',
          `the guest agent on ${this.path} did not answer guest-sync-delimited within ${timeoutMs} ms: ` +
            'is qemu-ga running in the guest?',
        );
      }
      const id = randomInt(1, 2 ** 31);
      this.#syncIds.add(id);
      this.#skipToDelimiter = true;
      const message = JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id } });
      this.#socket.write(Buffer.concat([Buffer.of(DELIMITER), Buffer.from(`${message}\n`)]));
      if (await this.#waitSync(Math.min(remaining, 250 * 2 ** attempt), signal)) {
        this.#synced = true;
        return;
      }
    }
  }

  /**
   * Runs an agent command and resolves with its `return`. An `error` reply is `GUEST_FAILED`
   * with the agent's description; no reply within `timeoutMs` is `GUEST_UNREACHABLE` (and the
   * connection must be synchronised again).
   */
  request<T = unknown>(
    command: string,
    args: Readonly<Record<string, unknown>> | undefined,
    options: AgentRequestOptions,
  ): Promise<T> {
    if (this.#closeError !== undefined) return Promise.reject(this.#closeError);
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(reasonOf(signal));
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = {
        id: `${this.#idPrefix}${this.#nextId++}`,
        command,
        settled: false,
        resolve: resolve as (value: unknown) => void,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      // A request given up on stays queued, so that its late reply is matched and dropped.
      const giveUp = (error: Error): void => {
        if (pending.settled) return;
        pending.settled = true;
        pending.cleanup();
        reject(error);
      };
      const timer = setTimeout(() => {
        this.#synced = false;
        giveUp(
          new GuestError(
            'GUEST_UNREACHABLE',
            `guest agent ${command}: no reply within ${options.timeoutMs} ms`,
          ),
        );
      }, options.timeoutMs);
      const onAbort = (): void => {
        if (signal !== undefined) giveUp(reasonOf(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.push(pending);
      const message =
        args === undefined
          ? { execute: command, id: pending.id }
          : { execute: command, arguments: args, id: pending.id };
      this.#socket.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Closes the connection; waiting requests fail. The agent keeps running. */
  async close(): Promise<void> {
    if (this.#closeError === undefined) {
      this.#closeError = new GuestError('GUEST_ABORTED', `guest agent ${this.path}: closed`);
      this.#socket.end();
      const timer = setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS);
      await this.#closed;
      clearTimeout(timer);
    }
    await this.#closed;
  }

  #waitSync(timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#syncWaiter = undefined;
      };
      const timer = setTimeout(() => {
        done();
        resolve(false);
      }, timeoutMs);
      const onAbort = (): void => {
        done();
        reject(signal === undefined ? new Error('aborted') : reasonOf(signal));
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiter = () => {
        done();
        resolve(true);
      };
    });
  }

  #onData(chunk: Buffer): void {
    let data = chunk;
    for (;;) {
      const newline = data.indexOf(0x0a);
      const delimiter = data.indexOf(DELIMITER);
      // Waiting for a sync's 0xFF: whole lines before it go too (qemu-ga answers the 0xFF a
      // client sends with a parse error, which can arrive in one chunk with the sync's reply).
      if (this.#skipToDelimiter && delimiter < 0) return;
      if (delimiter >= 0 && (newline < 0 || delimiter < newline || this.#skipToDelimiter)) {
        // The agent writes 0xFF only right before a reply: a partial line before it is left
        // over (from an earlier client, or stale output), as is everything before a sync's.
        this.#parts = [];
        this.#skipToDelimiter = false;
        data = data.subarray(delimiter + 1);
        continue;
      }
      if (newline < 0) break;
      // Parts are joined only once a line is complete: a file read's reply is one line of MiBs.
      this.#parts.push(data.subarray(0, newline));
      const line = Buffer.concat(this.#parts).toString('utf8').trim();
      this.#parts = [];
      data = data.subarray(newline + 1);
      if (line !== '') this.#onLine(line);
    }
    if (data.length > 0) this.#parts.push(data);
  }

  #onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      message = undefined;
    }
    if (!isObject(message) || !('return' in message || 'error' in message)) {
      // Before the sync this is what earlier clients left; after it, the agent is out of step.
      if (this.#synced)
        this.#failOldest(`the guest agent sent ${JSON.stringify(line.slice(0, 200))}`);
      return;
    }
    const ret = message.return;
    if (typeof ret === 'number' && this.#syncIds.has(ret) && message.id === undefined) {
      this.#syncWaiter?.(ret);
      return;
    }
    if (!this.#synced) return;
    const id = message.id;
    // Each 0xFF sent also makes qemu-ga answer with a parse error, with no id: not a reply.
    if (id === undefined && isParseError(message)) return;
    let index = 0;
    if (id !== undefined) {
      index = this.#pending.findIndex((p) => p.id === id);
      if (index < 0) return; // an answer to an earlier client
    }
    const [pending] = this.#pending.splice(index, 1);
    if (pending === undefined || pending.settled) return;
    pending.settled = true;
    pending.cleanup();
    if ('return' in message) {
      pending.resolve(ret);
      return;
    }
    const error = isObject(message.error) ? message.error : {};
    const desc = typeof error.desc === 'string' ? error.desc : JSON.stringify(message.error);
    const errorClass = typeof error.class === 'string' ? error.class : 'GenericError';
    pending.reject(
      new GuestError('GUEST_FAILED', `guest agent ${pending.command}: ${desc}`, {
        hint: `the agent's error class: ${errorClass}`,
      }),
    );
  }

  #failOldest(what: string): void {
    this.#synced = false;
    const pending = this.#pending.find((p) => !p.settled);
    if (pending === undefined) return;
    pending.settled = true;
    pending.cleanup();
    pending.reject(new GuestError('GUEST_PROTOCOL', `guest agent ${pending.command}: ${what}`));
  }

  #onClose(): void {
    this.#closeError ??= new GuestError(
      'GUEST_NOT_RUNNING',
      `guest agent ${this.path} closed: the vm exited`,
      { cause: this.#socketError },
    );
    this.#syncWaiter = undefined;
    for (const pending of this.#pending.splice(0)) {
      if (pending.settled) continue;
      pending.settled = true;
      pending.cleanup();
      pending.reject(this.#closeError);
    }
  }
}

function isParseError(message: Record<string, unknown>): boolean {
  const error = message.error;
  return (
    isObject(error) && typeof error.desc === 'string' && error.desc.startsWith('JSON parse error')
  );
}

function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new GuestError('GUEST_ABORTED', 'aborted');
}
