/**
 * The QEMU guest agent (qemu-ga) as a {@link GuestChannel}: commands through `guest-exec` and
 * `guest-exec-status`, files through `guest-file-open`/`-read`/`-write`/`-close`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GuestError } from '../errors.js';
import { AgentConnection } from './agent-connection.js';
import { CallStopper } from './call-stopper.js';
import {
  checkExecRequest,
  checkGuestPath,
  checkMs,
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_FILE_TIMEOUT_MS,
  type GuestChannel,
  type GuestExecOptions,
  type GuestExecResult,
  type GuestReadFileOptions,
  type GuestWriteFileOptions,
  signalName,
} from './guest-channel.js';
import { shellQuote } from './shell-quote.js';

/** Options of {@link GuestAgent.connect}. */
export interface GuestAgentOptions {
  /** Milliseconds for the agent to answer the first sync (the guest may still boot). @default 10_000 */
  timeoutMs?: number | undefined;
  /** Cancels connecting (`GUEST_ABORTED`). */
  signal?: AbortSignal | undefined;
  /** Milliseconds to wait for the socket to appear. @default min(timeoutMs, 5_000) */
  connectTimeoutMs?: number | undefined;
  /** How long a command may run when its call sets no `timeoutMs`. @default 300_000 */
  execTimeoutMs?: number | undefined;
  /** How long one agent request may take before `GUEST_UNREACHABLE`. @default 10_000 */
  responseTimeoutMs?: number | undefined;
  /**
   * Bytes per `guest-file-read`/`-write` (qemu-ga allocates a buffer of this size; it takes at
   * most 48 MiB). @default 4 MiB
   */
  fileChunkBytes?: number | undefined;
}

/** What `guest-exec-status` returns (qemu-ga 7.2). */
interface ExecStatus {
  exited: boolean;
  exitcode?: number;
  signal?: number;
  'out-data'?: string;
  'err-data'?: string;
  'out-truncated'?: boolean;
  'err-truncated'?: boolean;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_RESPONSE_TIMEOUT_MS = 10_000;
const DEFAULT_FILE_CHUNK = 4 * 1024 * 1024;
/** qemu-ga's limit of one `guest-file-read`. */
export const MAX_FILE_CHUNK = 48 * 1024 * 1024;
// qemu-ga gives a command only the environment it is given: keep programs findable.
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// Polling guest-exec-status: fast first (most commands end in milliseconds), then backing off.
const FIRST_POLL_MS = 1;
const MAX_POLL_MS = 100;
const KILL_WAIT_MS = 5_000;
// Kills a process and everything it started: stopped first so that it cannot start more,
// children found through /proc/<pid>/task/*/children, then all killed.
const KILL_TREE =
  'k() { kill -STOP "$1" 2>/dev/null; for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do k "$c"; done; kill -9 "$1" 2>/dev/null; }; k "$1"';

/** A connection to a guest's QEMU guest agent. Calls run side by side. */
export class GuestAgent implements GuestChannel {
  /** The agent socket this client is connected to. */
  readonly socketPath: string;
  readonly #connection: AgentConnection;
  readonly #execTimeoutMs: number;
  readonly #responseTimeoutMs: number;
  readonly #fileChunk: number;
  readonly #closeController = new AbortController();
  readonly #active = new Set<Promise<unknown>>();
  #syncing: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  private constructor(socketPath: string, connection: AgentConnection, options: GuestAgentOptions) {
    this.socketPath = socketPath;
    this.#connection = connection;
    this.#execTimeoutMs = options.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    this.#responseTimeoutMs = options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
    this.#fileChunk = options.fileChunkBytes ?? DEFAULT_FILE_CHUNK;
  }

  /**
   * Connects to the agent socket and synchronises with `guest-sync-delimited`. An agent that
   * does not answer within `timeoutMs` is `GUEST_UNREACHABLE`.
   */
  static async connect(socketPath: string, options: GuestAgentOptions = {}): Promise<GuestAgent> {
    for (const key of [
      'timeoutMs',
      'connectTimeoutMs',
      'execTimeoutMs',
      'responseTimeoutMs',
    ] as const) {
      checkMs(options[key], `GuestAgent.connect: ${key}`);
    }
    const chunk = options.fileChunkBytes;
    if (chunk !== undefined && !(Number.isInteger(chunk) && chunk > 0 && chunk <= MAX_FILE_CHUNK)) {
      throw new GuestError(
        'GUEST_FAILED',
        `GuestAgent.connect: fileChunkBytes must be 1 to ${MAX_FILE_CHUNK}, got ${chunk}`,
      );
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const connection = await AgentConnection.connect(
      socketPath,
      options.connectTimeoutMs ?? Math.min(timeoutMs, 5_000),
      options.signal,
    );
    try {
      await connection.sync(timeoutMs, options.signal);
    } catch (error) {
      await connection.close();
      if (options.signal?.aborted === true) {
        throw new GuestError(
          'GUEST_ABORTED',
          `connecting to the guest agent ${socketPath}: aborted`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    return new GuestAgent(socketPath, connection, options);
  }

  /** `guest-ping`: resolves when the agent answers. */
  ping(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    return this.#call('ping', options.signal, options.timeoutMs, async (stop) => {
      await this.#request('guest-ping', undefined, stop);
    });
  }

  /**
   * Runs `argv[0]` with `arg` = the other elements through `guest-exec` (no shell: nothing is
   * re-split), polls `guest-exec-status` until it exits, and decodes its captured output.
   * qemu-ga captures at most 16 MiB per stream: more is `GUEST_PROTOCOL`. A program that cannot
   * be started is `GUEST_FAILED`. On timeout the process and its children are killed.
   */
  exec(argv: readonly string[], options: GuestExecOptions = {}): Promise<GuestExecResult> {
    checkExecRequest(argv, options.env);
    checkMs(options.timeoutMs, 'exec: timeoutMs');
    const what = `exec ${shellQuote(argv).slice(0, 200)}`;
    const timeoutMs = options.timeoutMs ?? this.#execTimeoutMs;
    return this.#call(what, options.signal, undefined, async (stop) => {
      const [path, ...arg] = argv;
      const args: Record<string, unknown> = { path, arg, 'capture-output': true };
      if (options.env !== undefined) {
        const env = Object.entries(options.env);
        if (!('PATH' in options.env)) env.unshift(['PATH', DEFAULT_PATH]);
        args.env = env.map(([name, value]) => `${name}=${value}`);
      }
      if (options.stdin !== undefined) {
        args['input-data'] = Buffer.from(options.stdin).toString('base64');
      }
      const { pid } = await this.#request<{ pid: number }>('guest-exec', args, stop);
      const timer = new CallStopper(what, { signal: stop.signal, timeoutMs });
      try {
        const status = await this.#waitExit(pid, timer.signal);
        return resultOf(status, what);
      } catch (error) {
        if (timer.cause === undefined && stop.cause === undefined) throw error;
        await this.#kill(pid);
        throw stop.cause !== undefined ? stop.error() : timer.error();
      } finally {
        timer.dispose();
      }
    });
  }

  readFile(path: string, options: GuestReadFileOptions = {}): Promise<Buffer> {
    checkGuestPath(path, 'readFile');
    checkMs(options.timeoutMs, 'readFile: timeoutMs');
    const timeoutMs = options.timeoutMs ?? DEFAULT_FILE_TIMEOUT_MS;
    return this.#call(`readFile ${path}`, options.signal, timeoutMs, async (stop) => {
      const handle = await this.#request<number>('guest-file-open', { path, mode: 'r' }, stop);
      const chunks: Buffer[] = [];
      await this.#withHandle(handle, stop, async () => {
        for (;;) {
          const read = await this.#request<{ count: number; 'buf-b64': string; eof: boolean }>(
            'guest-file-read',
            { handle, count: this.#fileChunk },
            stop,
          );
          const data = Buffer.from(read['buf-b64'], 'base64');
          if (data.length !== read.count) {
            throw new GuestError(
              'GUEST_PROTOCOL',
              `readFile ${path}: guest-file-read said ${read.count} bytes and sent ${data.length}`,
            );
          }
          chunks.push(data);
          if (read.eof || data.length === 0) break;
        }
      });
      return Buffer.concat(chunks);
    });
  }

  writeFile(path: string, data: Uint8Array, options: GuestWriteFileOptions = {}): Promise<void> {
    checkGuestPath(path, 'writeFile');
    checkMs(options.timeoutMs, 'writeFile: timeoutMs');
    const { mode } = options;
    if (mode !== undefined && !(Number.isInteger(mode) && mode >= 0 && mode <= 0o7777)) {
      throw new GuestError('GUEST_FAILED', `writeFile: mode ${mode} is not a permission mode`);
    }
    const bytes = Buffer.from(data);
    const timeoutMs = options.timeoutMs ?? DEFAULT_FILE_TIMEOUT_MS;
    const what = `writeFile ${path}`;
    return this.#call(what, options.signal, timeoutMs, async (stop) => {
      const handle = await this.#request<number>('guest-file-open', { path, mode: 'w' }, stop);
      await this.#withHandle(handle, stop, async () => {
        for (let offset = 0; offset < bytes.length;) {
          const chunk = bytes.subarray(offset, offset + this.#fileChunk);
          const written = await this.#request<{ count: number }>(
            'guest-file-write',
            { handle, 'buf-b64': chunk.toString('base64') },
            stop,
          );
          if (written.count <= 0 || written.count > chunk.length) {
            throw new GuestError(
              'GUEST_PROTOCOL',
              `${what}: guest-file-write wrote ${written.count} of ${chunk.length} bytes`,
            );
          }
          offset += written.count;
        }
      });
      if (mode === undefined) return;
      const { pid } = await this.#request<{ pid: number }>(
        'guest-exec',
        { path: 'chmod', arg: [mode.toString(8), path], 'capture-output': true },
        stop,
      );
      const result = resultOf(await this.#waitExit(pid, stop.signal), what);
      if (result.exitCode !== 0) {
        throw new GuestError(
          'GUEST_FAILED',
          `${what}: chmod ${mode.toString(8)} failed: ${result.stderr.toString('utf8').trim()}`,
        );
      }
    });
  }

  /** Ends the connection once calls still running have stopped (`GUEST_ABORTED`). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closeController.abort();
      await Promise.allSettled([...this.#active]);
      await this.#connection.close();
    })();
    return this.#closing;
  }

  /** Runs one call: checks the channel is open and synchronised, and tracks it for close(). */
  #call<T>(
    what: string,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    fn: (stop: CallStopper) => Promise<T>,
  ): Promise<T> {
    if (this.#closing !== undefined) {
      return Promise.reject(new GuestError('GUEST_ABORTED', `${what}: the guest agent is closed`));
    }
    const stop = new CallStopper(what, {
      signal,
      closeSignal: this.#closeController.signal,
      timeoutMs,
    });
    const run = (async () => {
      try {
        if (!this.#connection.synced) {
          this.#syncing ??= this.#connection
            .sync(this.#responseTimeoutMs, undefined)
            .finally(() => (this.#syncing = undefined));
          await raceStop(this.#syncing, stop);
        }
        stop.throwIfStopped();
        return await fn(stop);
      } finally {
        stop.dispose();
      }
    })();
    this.#active.add(run);
    void run.then(
      () => this.#active.delete(run),
      () => this.#active.delete(run),
    );
    return run;
  }

  #request<T>(
    command: string,
    args: Readonly<Record<string, unknown>> | undefined,
    stop: CallStopper,
  ): Promise<T> {
    return this.#connection.request<T>(command, args, {
      signal: stop.signal,
      timeoutMs: this.#responseTimeoutMs,
    });
  }

  /** Polls `guest-exec-status` until the process exited. */
  async #waitExit(pid: number, signal: AbortSignal): Promise<ExecStatus> {
    for (let interval = FIRST_POLL_MS; ; interval = Math.min(interval * 2, MAX_POLL_MS)) {
      const status = await this.#connection.request<ExecStatus>(
        'guest-exec-status',
        { pid },
        { signal, timeoutMs: this.#responseTimeoutMs },
      );
      if (status.exited) return status;
      await sleep(interval, undefined, { signal });
    }
  }

  /** Kills a guest process and its children, then collects its status (so qemu-ga forgets it). */
  async #kill(pid: number): Promise<void> {
    const signal = AbortSignal.timeout(KILL_WAIT_MS);
    try {
      const killer = await this.#connection.request<{ pid: number }>(
        'guest-exec',
        { path: 'sh', arg: ['-c', KILL_TREE, 'sh', String(pid)] },
        { signal, timeoutMs: this.#responseTimeoutMs },
      );
      await this.#waitExit(killer.pid, signal);
      await this.#waitExit(pid, signal);
    } catch {
      // Best effort: the call fails with its timeout or abort either way.
    }
  }

  /** Runs `fn` with an open file handle and always closes it; a failing close fails the call. */
  async #withHandle(handle: number, stop: CallStopper, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      await this.#connection
        .request(
          'guest-file-close',
          { handle },
          {
            signal: AbortSignal.timeout(this.#responseTimeoutMs),
            timeoutMs: this.#responseTimeoutMs,
          },
        )
        .catch(() => undefined);
      throw error;
    }
    await this.#request('guest-file-close', { handle }, stop);
  }
}

/** Waits for `promise` unless the call is stopped first. */
async function raceStop<T>(promise: Promise<T>, stop: CallStopper): Promise<T> {
  if (stop.signal.aborted) throw stop.error();
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      reject(stop.error());
    };
    stop.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, stopped]);
  } finally {
    if (onAbort !== undefined) stop.signal.removeEventListener('abort', onAbort);
  }
}

/** The result of an exited process's status; truncated output is `GUEST_PROTOCOL`. */
function resultOf(status: ExecStatus, what: string): GuestExecResult {
  if (status['out-truncated'] === true || status['err-truncated'] === true) {
    const which = status['out-truncated'] === true ? 'stdout' : 'stderr';
    throw new GuestError(
      'GUEST_PROTOCOL',
      `${what}: the command's ${which} was cut at the guest agent's capture limit (16 MiB in qemu-ga)`,
      { hint: 'redirect large output to a file in the guest and read it with readFile' },
    );
  }
  const stdout = Buffer.from(status['out-data'] ?? '', 'base64');
  const stderr = Buffer.from(status['err-data'] ?? '', 'base64');
  if (status.signal !== undefined) {
    return { stdout, stderr, exitCode: 128 + status.signal, signal: signalName(status.signal) };
  }
  return { stdout, stderr, exitCode: status.exitcode ?? 0 };
}
