/**
 * The common face of the two ways into a running guest (serial shell, guest agent): running a
 * command, reading and writing files, and the checks and result shapes both share.
 */
import { constants } from 'node:os';
import { GuestError } from '../errors.js';

/** What a guest command left behind. */
export interface GuestExecResult {
  /** Everything the command wrote to stdout, byte for byte. */
  stdout: Buffer;
  /** Everything the command wrote to stderr, byte for byte. */
  stderr: Buffer;
  /**
   * The exit status. For a command killed by a signal, 128 plus the signal's number (the
   * shell's convention), with {@link signal} naming it.
   */
  exitCode: number;
  /** The signal that killed the command (`SIGKILL`), if one did. */
  signal?: string;
}

/** Options of {@link GuestChannel.exec}. */
export interface GuestExecOptions {
  /** Bytes the command reads on its stdin; it reads end of file at once when not given. */
  stdin?: Uint8Array;
  /**
   * Milliseconds the command may run; then it is killed in the guest and the call fails with
   * `GUEST_TIMEOUT` (the channel stays usable). Transferring its output is not counted.
   * @default the channel's `execTimeoutMs`
   */
  timeoutMs?: number;
  /** Cancels the call (`GUEST_ABORTED`); the command is killed in the guest. */
  signal?: AbortSignal;
  /**
   * Environment variables for the command (names are shell identifiers). The serial shell adds
   * them to the shell's environment; the guest agent gives the command only these, plus a
   * default `PATH` when they have none (qemu-ga replaces the whole environment).
   */
  env?: Record<string, string>;
}

/** Options of {@link GuestChannel.readFile}. */
export interface GuestReadFileOptions {
  /** Cancels the call (`GUEST_ABORTED`). */
  signal?: AbortSignal;
  /** Milliseconds the whole transfer may take (`GUEST_TIMEOUT`). @default 300_000 */
  timeoutMs?: number;
}

/** Options of {@link GuestChannel.writeFile}. */
export interface GuestWriteFileOptions extends GuestReadFileOptions {
  /**
   * Permission bits set on the file after writing (`0o755`). When not given, an existing file
   * keeps its mode and a new one gets the transport's default (serial: 0666 less the shell's
   * umask; agent: 0600).
   */
  mode?: number;
}

/**
 * A way into a running guest. Calls may be made concurrently: each gets its own result (the
 * serial shell queues them, the agent runs them side by side).
 */
export interface GuestChannel {
  /**
   * Runs `argv[0]` (looked up in `PATH`) with the other elements as its arguments, never
   * re-split by a shell, and returns its output byte for byte with its exit status.
   */
  exec(argv: readonly string[], options?: GuestExecOptions): Promise<GuestExecResult>;
  /** The whole content of a guest file (`GUEST_FAILED` when it cannot be read). */
  readFile(path: string, options?: GuestReadFileOptions): Promise<Buffer>;
  /** Creates or truncates a guest file with exactly `data` (`GUEST_FAILED` when it cannot). */
  writeFile(path: string, data: Uint8Array, options?: GuestWriteFileOptions): Promise<void>;
  /** Ends the session; calls still running fail with `GUEST_ABORTED`. The guest keeps running. */
  close(): Promise<void>;
}

/** Default of `execTimeoutMs`: how long a command may run when its call sets no timeout. */
export const DEFAULT_EXEC_TIMEOUT_MS = 300_000;
/** Default timeout of a whole file transfer. */
export const DEFAULT_FILE_TIMEOUT_MS = 300_000;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks what both transports need of a command line and an environment. */
export function checkExecRequest(argv: readonly string[], env?: Record<string, string>): void {
  if (argv.length === 0 || argv[0] === '') {
    throw new GuestError('GUEST_FAILED', 'exec: argv is empty: there is no program to run');
  }
  for (const arg of argv) {
    if (arg.includes('\0')) {
      throw new GuestError('GUEST_FAILED', `exec: argument ${JSON.stringify(arg)} holds a NUL`);
    }
  }
  for (const [name, value] of Object.entries(env ?? {})) {
    if (!ENV_NAME.test(name)) {
      throw new GuestError(
        'GUEST_FAILED',
        `exec: environment variable name ${JSON.stringify(name)} is not a shell identifier`,
      );
    }
    if (value.includes('\0')) {
      throw new GuestError('GUEST_FAILED', `exec: environment variable ${name} holds a NUL`);
    }
  }
}

/** Checks a guest path given to readFile/writeFile. */
export function checkGuestPath(path: string, what: string): void {
  if (path === '' || path.includes('\0')) {
    throw new GuestError('GUEST_FAILED', `${what}: ${JSON.stringify(path)} is not a valid path`);
  }
}

/** Checks a millisecond option: a positive finite number. */
export function checkMs(value: number | undefined, option: string): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new GuestError('GUEST_FAILED', `${option} must be a positive number, got ${value}`);
  }
}

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(constants.signals).map(([name, number]) => [number, name]),
);

/** The name of a signal number (`9` → `SIGKILL`), or `SIG<n>` for one the host does not know. */
export function signalName(signal: number): string {
  return SIGNAL_NAMES.get(signal) ?? `SIG${signal}`;
}

/**
 * The result of a shell's exit status: above 128 (and at most 128 + 64) it means the command
 * was killed by signal `status - 128`; a shell cannot tell that from a command that exits with
 * such a status on its own.
 */
export function resultOfShellStatus(
  status: number,
  stdout: Buffer,
  stderr: Buffer,
): GuestExecResult {
  if (status > 128 && status <= 128 + 64) {
    return { stdout, stderr, exitCode: status, signal: signalName(status - 128) };
  }
  return { stdout, stderr, exitCode: status };
}

/** Copies caller bytes into a Buffer without sharing memory the caller may change. */
export function toBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data);
}
