/**
 * A shell on a guest's serial console as a {@link GuestChannel}: opening it (serial-login.ts),
 * queueing calls (one at a time on the console) and running each as a command
 * (serial-command.ts). A command's script goes as base64, checked by MD5 before it runs; its
 * stdout and stderr go to files in the guest and come back as numbered base64 lines between
 * markers of a fresh token, with sizes and MD5s, so that echo, CRLF, escape sequences and
 * kernel messages cannot change a byte: lines that noise broke are asked for again.
 */
import { GuestError } from '../errors.js';
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
  resultOfShellStatus,
  toBuffer,
} from './guest-channel.js';
import { runCommand } from './serial-command.js';
import { SerialConsole } from './serial-console.js';
import { RoundCollector } from './serial-frames.js';
import { openShellSession } from './serial-login.js';
import { SerialRequests } from './serial-requests.js';
import { cleanupLine, newToken } from './serial-scripts.js';
import { shellQuote } from './shell-quote.js';

/** Options of {@link SerialShell.open}. */
export interface SerialShellOptions {
  /** Sent at a login prompt. */
  username?: string | undefined;
  /** Sent at a password prompt. */
  password?: string | undefined;
  /** A login prompt at the end of what the console shows. @default /[Ll]ogin:\s*$/ */
  loginPrompt?: RegExp | undefined;
  /** A password prompt. @default /[Pp]assword:\s*$/ */
  passwordPrompt?: RegExp | undefined;
  /** A shell prompt. @default /[#$]\s*$/ */
  shellPrompt?: RegExp | undefined;
  /** Milliseconds to get a prepared shell (the guest may still be booting). @default 60_000 */
  timeoutMs?: number | undefined;
  /** Cancels opening (`GUEST_ABORTED`). */
  signal?: AbortSignal | undefined;
  /** Milliseconds to wait for the socket to appear. @default min(timeoutMs, 5_000) */
  connectTimeoutMs?: number | undefined;
  /** How long a command may run when its call sets no `timeoutMs`. @default 300_000 */
  execTimeoutMs?: number | undefined;
  /**
   * Longest silence of a guest that should be answering (sending output, acknowledging an
   * upload) before the call fails with `GUEST_UNREACHABLE`. @default 10_000
   */
  responseTimeoutMs?: number | undefined;
}

const DEFAULT_OPEN_TIMEOUT_MS = 60_000;
const DEFAULT_RESPONSE_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 2_000;

function stderrText(stderr: Buffer): string {
  return stderr.toString('utf8').trim().slice(-500);
}

/**
 * A logged-in shell on a serial console. Needs in the guest: a POSIX sh with `base64` (with
 * `-w`), `md5sum`, `nl`, `wc`, `dd`, `mkdir`, `rm`, `mv`, `cat`, `sleep`, `kill` (busybox has
 * them all), optionally `setsid` and `stty`, and a writable `/tmp`, `/run`, `/dev/shm` or
 * `/var/tmp`.
 */
export class SerialShell implements GuestChannel {
  /** The console socket this shell is connected to. */
  readonly socketPath: string;
  readonly #requests: SerialRequests;
  readonly #execTimeoutMs: number;
  readonly #closeController = new AbortController();
  readonly #pendingCleanup = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;

  private constructor(socketPath: string, requests: SerialRequests, execTimeoutMs: number) {
    this.socketPath = socketPath;
    this.#requests = requests;
    this.#execTimeoutMs = execTimeoutMs;
  }

  /**
   * Connects to the console socket and gets a prepared shell: pokes the line, logs in at a
   * login prompt (`GUEST_LOGIN` when refused), or takes the shell already there. A console
   * that shows no prompt within `timeoutMs` is `GUEST_UNREACHABLE`, with what it showed.
   */
  static async open(socketPath: string, options: SerialShellOptions = {}): Promise<SerialShell> {
    for (const key of [
      'timeoutMs',
      'connectTimeoutMs',
      'execTimeoutMs',
      'responseTimeoutMs',
    ] as const) {
      checkMs(options[key], `SerialShell.open: ${key}`);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
    const responseTimeoutMs = options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
    const stopper = new CallStopper(`opening the serial shell on ${socketPath}`, {
      signal: options.signal,
      timeoutMs,
    });
    try {
      const connectTimeoutMs = options.connectTimeoutMs ?? Math.min(timeoutMs, 5_000);
      const con = await SerialConsole.connect(socketPath, connectTimeoutMs, stopper.signal).catch(
        (error: unknown) => {
          // Our own deadline cut the connecting short: still a socket that never came.
          if (stopper.cause !== 'timeout') throw error;
          throw new GuestError(
            'GUEST_NOT_RUNNING',
            `serial console ${socketPath}: no socket to connect to within ${timeoutMs} ms: is the vm running?`,
            { cause: error },
          );
        },
      );
      try {
        const session = await openShellSession(
          con,
          {
            username: options.username,
            password: options.password,
            loginPrompt: options.loginPrompt ?? /[Ll]ogin:\s*$/,
            passwordPrompt: options.passwordPrompt ?? /[Pp]assword:\s*$/,
            shellPrompt: options.shellPrompt ?? /[#$]\s*$/,
            pokeMs: Math.min(1_000, timeoutMs / 4),
            responseTimeoutMs: Math.min(responseTimeoutMs, 3_000),
          },
          stopper.signal,
        );
        return new SerialShell(
          socketPath,
          new SerialRequests(con, session.base, responseTimeoutMs),
          options.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
        );
      } catch (error) {
        await con.close();
        if (stopper.cause === 'timeout') {
          const seen = con.recentText();
          throw new GuestError(
            'GUEST_UNREACHABLE',
            `serial console ${socketPath}: no login or shell prompt within ${timeoutMs} ms; ` +
              (seen === '' ? 'the console showed nothing' : `the console showed:\n${seen}`),
            { cause: error },
          );
        }
        throw error;
      }
    } finally {
      stopper.dispose();
    }
  }

  exec(argv: readonly string[], options: GuestExecOptions = {}): Promise<GuestExecResult> {
    checkExecRequest(argv, options.env);
    checkMs(options.timeoutMs, 'exec: timeoutMs');
    const what = `exec ${shellQuote(argv).slice(0, 200)}`;
    return this.#enqueue(what, options.signal, undefined, async (stop) => {
      const { status, stdout, stderr } = await runCommand(
        this.#requests,
        this.#pendingCleanup,
        argv,
        {
          stdin: options.stdin === undefined ? undefined : toBuffer(options.stdin),
          env: options.env ?? {},
          timeoutMs: options.timeoutMs ?? this.#execTimeoutMs,
        },
        stop,
        what,
      );
      return resultOfShellStatus(status, stdout, stderr);
    });
  }

  readFile(path: string, options: GuestReadFileOptions = {}): Promise<Buffer> {
    checkGuestPath(path, 'readFile');
    checkMs(options.timeoutMs, 'readFile: timeoutMs');
    const what = `readFile ${path}`;
    const timeoutMs = options.timeoutMs ?? DEFAULT_FILE_TIMEOUT_MS;
    return this.#enqueue(what, options.signal, timeoutMs, async (stop) => {
      // A copy first (by cat, in #run): files like /proc/* change between two reads.
      const result = await runCommand(
        this.#requests,
        this.#pendingCleanup,
        ['cat', '--', path],
        { env: {}, timeoutMs },
        stop,
        what,
      );
      if (result.status !== 0) {
        throw new GuestError('GUEST_FAILED', `${what}: ${stderrText(result.stderr)}`);
      }
      return result.stdout;
    });
  }

  writeFile(path: string, data: Uint8Array, options: GuestWriteFileOptions = {}): Promise<void> {
    checkGuestPath(path, 'writeFile');
    checkMs(options.timeoutMs, 'writeFile: timeoutMs');
    const { mode } = options;
    if (mode !== undefined && !(Number.isInteger(mode) && mode >= 0 && mode <= 0o7777)) {
      throw new GuestError('GUEST_FAILED', `writeFile: mode ${mode} is not a permission mode`);
    }
    const what = `writeFile ${path}`;
    const timeoutMs = options.timeoutMs ?? DEFAULT_FILE_TIMEOUT_MS;
    // The bytes travel as the stdin of `cat`, checked by MD5 before cat runs.
    const argv =
      mode === undefined
        ? ['sh', '-c', 'cat >"$1"', 'sh', path]
        : ['sh', '-c', 'cat >"$1" && chmod "$2" "$1"', 'sh', path, mode.toString(8)];
    return this.#enqueue(what, options.signal, timeoutMs, async (stop) => {
      const result = await runCommand(
        this.#requests,
        this.#pendingCleanup,
        argv,
        { stdin: toBuffer(data), env: {}, timeoutMs },
        stop,
        what,
      );
      if (result.status !== 0) {
        throw new GuestError('GUEST_FAILED', `${what}: ${stderrText(result.stderr)}`);
      }
    });
  }

  /**
   * Ends the session: calls still running are stopped (`GUEST_ABORTED`), the session's files
   * in the guest removed, echo turned back on; the shell stays logged in.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closeController.abort();
    await this.#queue;
    const requests = this.#requests;
    if (!requests.needsRecovery && requests.console.closeError === undefined) {
      const token = newToken();
      const cleanup = cleanupLine(requests.base, [...this.#pendingCleanup]);
      try {
        await requests.round(
          new RoundCollector(token),
          `${cleanup}stty echo 2>/dev/null\n`,
          AbortSignal.timeout(CLOSE_TIMEOUT_MS),
        );
      } catch {
        // Best effort: the files go with the next session's setup anyway.
      }
    }
    await requests.console.close();
  }

  /**
   * Runs `fn` after the calls queued before it. A call stopped while it waits rejects at once
   * and never runs.
   */
  #enqueue<T>(
    what: string,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    fn: (stop: CallStopper) => Promise<T>,
  ): Promise<T> {
    if (this.#closing !== undefined) {
      return Promise.reject(new GuestError('GUEST_ABORTED', `${what}: the serial shell is closed`));
    }
    const stop = new CallStopper(what, {
      signal,
      closeSignal: this.#closeController.signal,
      timeoutMs,
    });
    let started = false;
    const result = this.#queue
      .then(() => {
        started = true;
        stop.throwIfStopped();
        return fn(stop);
      })
      .finally(() => {
        stop.dispose();
      });
    this.#queue = result.then(
      () => undefined,
      () => undefined,
    );
    const stoppedWhileQueued = new Promise<never>((_resolve, reject) => {
      stop.signal.addEventListener(
        'abort',
        () => {
          if (!started) reject(stop.error());
        },
        { once: true },
      );
    });
    return Promise.race([result, stoppedWhileQueued]);
  }
}
