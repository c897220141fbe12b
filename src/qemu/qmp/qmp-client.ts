/**
 * The QMP client: one connection to a vm's monitor socket, commands answered in order, events
 * kept apart from replies.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { QemuError } from '../../errors.js';
import { QmpError } from '../errors.js';
import { connectUnixSocket } from '../unix-socket.js';
import { hmpFailure } from './vm-snapshots.js';

/** An asynchronous QMP event (`STOP`, `RESUME`, `JOB_STATUS_CHANGE`, `SHUTDOWN`, …). */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

/** The greeting QEMU sends when a client connects. */
export interface QmpGreeting {
  version: { qemu: { major: number; minor: number; micro: number }; package: string };
  capabilities: string[];
}

/** Options of {@link QmpClient.connect}. */
export interface QmpConnectOptions {
  /**
   * Milliseconds to keep trying until the socket exists, accepts and QEMU has greeted (a vm
   * just spawned needs about 25 ms).
   * @default 10_000
   */
  timeoutMs?: number | undefined;
  /** Cancels connecting (`QEMU_ABORTED`). */
  signal?: AbortSignal | undefined;
  /** Timeout of each command unless the command sets its own. @default 60_000 */
  commandTimeoutMs?: number | undefined;
}

/** Options of one QMP command or event wait. */
export interface QmpCommandOptions {
  /** Milliseconds before the call fails with `QEMU_TIMEOUT`. @default the client's `commandTimeoutMs` */
  timeoutMs?: number | undefined;
  /** Cancels waiting (`QEMU_ABORTED`); a command already sent still runs in QEMU. */
  signal?: AbortSignal | undefined;
}

interface Pending {
  id: string;
  command: string;
  settled: boolean;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  cleanup: () => void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;
const CLOSE_GRACE_MS = 500;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function abortedError(what: string, signal: AbortSignal): QemuError {
  return new QemuError('QEMU_ABORTED', `${what}: aborted`, { cause: signal.reason });
}

/**
 * A QMP client over a unix socket, using only `node:net`. Replies are matched to commands in
 * order (QMP answers in order; each command also carries an `id` that is checked); events are
 * kept apart from replies and go to listeners. When the socket closes (the vm exited), every
 * waiting command fails with `QEMU_VM`.
 */
export class QmpClient {
  /** The socket this client is connected to. */
  readonly socketPath: string;
  readonly #socket: Socket;
  readonly #commandTimeoutMs: number;
  readonly #pending: Pending[] = [];
  readonly #eventListeners = new Set<(event: QmpEvent) => void>();
  readonly #closeListeners = new Set<(error: QemuError) => void>();
  readonly #closedPromise: Promise<void>;
  #buffer = '';
  /**
   * Command ids carry a prefix of this client's own: QEMU hands the reply to a command of a
   * client that died (a killed cartograph) to the next client, which must not take it for a
   * reply to its own command.
   */
  readonly #idPrefix = `cartograph-${randomBytes(4).toString('hex')}-`;
  #nextId = 1;
  #greeting: QmpGreeting | undefined;
  #greetingWaiter: { resolve: () => void; reject: (error: Error) => void } | undefined;
  #closeError: QemuError | undefined;
  #closing = false;
  #socketError: Error | undefined;

  private constructor(socket: Socket, socketPath: string, commandTimeoutMs: number) {
    this.#socket = socket;
    this.socketPath = socketPath;
    this.#commandTimeoutMs = commandTimeoutMs;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#onData(chunk);
    });
    socket.on('error', (error) => {
      this.#socketError = error;
    });
    this.#closedPromise = new Promise((resolve) => {
      socket.once('close', () => {
        this.#onClose();
        resolve();
      });
    });
  }

  /**
   * Connects to a QMP socket, retrying while it does not exist or refuses (the vm is still
   * starting) until `timeoutMs`, then reads the greeting and negotiates capabilities. A socket
   * that accepts but never greets usually has another client: QEMU serves one at a time.
   */
  static async connect(socketPath: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const { signal } = options;
    const socket = await connectUnixSocket(socketPath, {
      timeoutMs,
      signal,
      what: `connecting to QMP socket ${socketPath}`,
    });
    const client = new QmpClient(
      socket,
      socketPath,
      options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    );
    try {
      await client.#waitGreeting(Math.max(deadline - Date.now(), 1), signal);
      await client.execute('qmp_capabilities', undefined, {
        timeoutMs: Math.max(deadline - Date.now(), 1),
        signal,
      });
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** What QEMU said when this client connected. */
  get greeting(): QmpGreeting {
    if (this.#greeting === undefined) throw new QemuError('QEMU_QMP', 'no QMP greeting yet');
    return this.#greeting;
  }

  /** Whether the connection is closed (by {@link close} or because the vm went away). */
  get isClosed(): boolean {
    return this.#closeError !== undefined;
  }

  /**
   * Runs a QMP command and resolves with its `return` value. A QMP `error` rejects with a
   * {@link QmpError} (`QEMU_QMP`) carrying the error class and description.
   */
  execute<T = unknown>(
    command: string,
    args?: Readonly<Record<string, unknown>>,
    options: QmpCommandOptions = {},
  ): Promise<T> {
    const closeError = this.#closeError;
    if (closeError !== undefined) {
      return Promise.reject(this.#closedError(closeError, command));
    }
    const { signal } = options;
    if (signal?.aborted === true) {
      return Promise.reject(abortedError(`QMP ${command}`, signal));
    }
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.#commandTimeoutMs;
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
      // A command given up on stays in the queue so that its late reply is still consumed in
      // order and not taken for the reply of the next command.
      const giveUp = (error: QemuError): void => {
        if (pending.settled) return;
        pending.settled = true;
        pending.cleanup();
        reject(error);
      };
      const timer = setTimeout(() => {
        giveUp(new QemuError('QEMU_TIMEOUT', `QMP ${command}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      const onAbort = (): void => {
        if (signal !== undefined) giveUp(abortedError(`QMP ${command}`, signal));
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

  /**
   * Runs a HMP command through `human-monitor-command` and resolves with its output. HMP
   * reports errors inside a successful return; those become a {@link QmpError}
   * (`QEMU_SNAPSHOT_MISSING` for a missing snapshot, else `QEMU_QMP`). Note that HMP `delvm`
   * of a missing tag reports nothing.
   */
  async hmp(commandLine: string, options: QmpCommandOptions = {}): Promise<string> {
    const output = await this.execute(
      'human-monitor-command',
      { 'command-line': commandLine },
      options,
    );
    if (typeof output !== 'string') {
      throw new QemuError('QEMU_QMP', `HMP "${commandLine}" returned ${JSON.stringify(output)}`);
    }
    const failure = hmpFailure(commandLine, output);
    if (failure !== undefined) {
      throw new QmpError(failure.code, `HMP "${commandLine}" failed: ${failure.text}`, {
        command: `human-monitor-command: ${commandLine}`,
        desc: failure.text,
      });
    }
    return output;
  }

  /** Calls `listener` for every event from now on; returns a function that unsubscribes. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /** Calls `listener` once when the connection closes, with the reason; returns an unsubscriber. */
  onClose(listener: (error: QemuError) => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /**
   * Resolves with the first event named `name` (for which `predicate` holds) that arrives
   * from now on. Subscribe before sending the command that causes it: QMP may send the event
   * before the command's reply.
   */
  waitForEvent(
    name: string,
    predicate: (event: QmpEvent) => boolean = () => true,
    options: QmpCommandOptions = {},
  ): Promise<QmpEvent> {
    const closeError = this.#closeError;
    if (closeError !== undefined)
      return Promise.reject(this.#closedError(closeError, `event ${name}`));
    const { signal } = options;
    if (signal?.aborted === true)
      return Promise.reject(abortedError(`waiting for ${name}`, signal));
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.#commandTimeoutMs;
      const done = (): void => {
        clearTimeout(timer);
        offEvent();
        offClose();
        signal?.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new QemuError('QEMU_TIMEOUT', `QMP event ${name} did not come within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const offEvent = this.onEvent((event) => {
        if (event.event !== name || !predicate(event)) return;
        done();
        resolve(event);
      });
      const offClose = this.onClose((error) => {
        done();
        reject(this.#closedError(error, `event ${name}`));
      });
      const onAbort = (): void => {
        done();
        reject(abortedError(`waiting for ${name}`, signal ?? AbortSignal.abort()));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Closes the connection; commands still waiting fail with `QEMU_QMP`. The vm keeps running.
   * Resolves when the socket is closed.
   */
  async close(): Promise<void> {
    if (this.#closeError === undefined && !this.#closing) {
      this.#closing = true;
      this.#socket.end();
      // QEMU closes its side at once; do not wait forever on a peer that hangs.
      const timer = setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS);
      await this.#closedPromise;
      clearTimeout(timer);
    }
    await this.#closedPromise;
  }

  #waitGreeting(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#greeting !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#greetingWaiter = undefined;
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new QemuError(
            'QEMU_TIMEOUT',
            `QMP socket ${this.socketPath} accepted but sent no greeting within ${timeoutMs} ms`,
            {
              hint: 'QEMU serves one QMP client at a time: is another client connected?',
            },
          ),
        );
      }, timeoutMs);
      const onAbort = (): void => {
        done();
        reject(
          abortedError(
            `connecting to QMP socket ${this.socketPath}`,
            signal ?? AbortSignal.abort(),
          ),
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#greetingWaiter = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
    });
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let newline: number;
    while ((newline = this.#buffer.indexOf('\n')) >= 0) {
      // QMP ends every message with \r\n; commands need only \n.
      const line = this.#buffer.slice(0, newline).trim();
      this.#buffer = this.#buffer.slice(newline + 1);
      if (line === '') continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch (error) {
        this.#fail(
          new QemuError('QEMU_QMP', `QMP sent a line that is not JSON: ${line.slice(0, 200)}`, {
            cause: error,
          }),
        );
        return;
      }
      if (!this.#dispatch(message, line)) return;
    }
  }

  /** Routes one message; returns false after a protocol error closed the connection. */
  #dispatch(message: unknown, line: string): boolean {
    if (!isObject(message)) {
      this.#fail(
        new QemuError(
          'QEMU_QMP',
          `QMP sent something that is not an object: ${line.slice(0, 200)}`,
        ),
      );
      return false;
    }
    if ('QMP' in message) {
      this.#greeting = message.QMP as QmpGreeting;
      this.#greetingWaiter?.resolve();
      return true;
    }
    if (typeof message.event === 'string') {
      this.#emitEvent(message as unknown as QmpEvent);
      return true;
    }
    if (!('return' in message) && !('error' in message)) {
      this.#fail(new QemuError('QEMU_QMP', `QMP sent an unknown message: ${line.slice(0, 200)}`));
      return false;
    }
    // A reply to a command of an earlier client of this monitor (see #idPrefix): not ours.
    const id = message.id;
    if (id !== undefined && !(typeof id === 'string' && id.startsWith(this.#idPrefix))) return true;
    // Peek first: after a protocol error the command must still be in the queue to be failed.
    const pending = this.#pending[0];
    if (pending === undefined || (message.id !== undefined && message.id !== pending.id)) {
      this.#fail(
        new QemuError('QEMU_QMP', `QMP sent a reply nobody waits for: ${line.slice(0, 200)}`),
      );
      return false;
    }
    this.#pending.shift();
    if (pending.settled) return true;
    pending.settled = true;
    pending.cleanup();
    if ('return' in message) {
      pending.resolve(message.return);
    } else {
      const error = isObject(message.error) ? message.error : {};
      const errorClass = typeof error.class === 'string' ? error.class : 'GenericError';
      const desc = typeof error.desc === 'string' ? error.desc : JSON.stringify(message.error);
      pending.reject(
        new QmpError('QEMU_QMP', `QMP ${pending.command} failed: ${desc}`, {
          command: pending.command,
          errorClass,
          desc,
        }),
      );
    }
    return true;
  }

  #emitEvent(event: QmpEvent): void {
    for (const listener of [...this.#eventListeners]) {
      try {
        listener(event);
      } catch (error) {
        // A listener's bug must not stop QMP processing; report it as an uncaught exception,
        // as an EventEmitter would.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** Closes the connection because of a protocol error; waiting callers get `error`. */
  #fail(error: QemuError): void {
    this.#closeError ??= error;
    this.#socket.destroy();
  }

  #onClose(): void {
    const error =
      this.#closeError ??
      (this.#closing
        ? new QemuError('QEMU_QMP', `QMP connection ${this.socketPath} was closed by the client`)
        : new QemuError(
            'QEMU_VM',
            `QMP connection ${this.socketPath} closed: the vm exited or dropped the monitor`,
            { cause: this.#socketError },
          ));
    this.#closeError = error;
    this.#greetingWaiter?.reject(error);
    for (const pending of this.#pending.splice(0)) {
      if (pending.settled) continue;
      pending.settled = true;
      pending.cleanup();
      pending.reject(this.#closedError(error, pending.command));
    }
    for (const listener of [...this.#closeListeners]) {
      this.#closeListeners.delete(listener);
      listener(error);
    }
  }

  #closedError(error: QemuError, waitingFor: string): QemuError {
    return new QemuError(error.code, `${error.message} (while waiting for ${waitingFor})`, {
      cause: error,
    });
  }
}
