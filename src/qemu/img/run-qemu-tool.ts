/**
 * Running a QEMU image tool (`qemu-img`, `qemu-io`) through execa with an argument array,
 * mapping its failures to coded errors, and parsing its JSON output.
 */
import { execa } from 'execa';
import { QemuError } from '../../errors.js';
import { classifyQemuFailure, formatCommandLine, QemuCommandError, tailText } from '../errors.js';

/** Options every call that runs a QEMU program accepts. */
export interface QemuCallOptions {
  /** Cancels the call: the program is killed and the call fails with `QEMU_ABORTED`. */
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds before the program is killed and the call fails with `QEMU_TIMEOUT`.
   * @default 600_000 (qemu-img and qemu-io on large images can be slow; nothing of ours should be)
   */
  timeoutMs?: number | undefined;
  /** The program to run instead of the default one: a name looked up on `PATH`, or a path. */
  binary?: string | undefined;
}

/** Parses the `--output=json` stdout of a QEMU program; `QEMU_FAILED` if it is not JSON. */
export function parseJsonOutput(stdout: string, command: readonly string[]): unknown {
  try {
    return JSON.parse(stdout) as unknown;
  } catch (error) {
    throw new QemuError(
      'QEMU_FAILED',
      `${formatCommandLine(command)} printed no valid JSON: ${stdout.slice(0, 200)}`,
      { cause: error },
    );
  }
}

/** Options of {@link runQemuTool}. */
export interface QemuToolRunOptions extends QemuCallOptions {
  /**
   * Decides whether a run that exited on its own is a result rather than a failure:
   * `qemu-img check` reports corruption with 2 and leaks with 3, `qemu-img compare` a
   * difference with 1, `qemu-io` a pattern mismatch with 1.
   * @default exit code 0 only
   */
  accept?: ((exitCode: number, stdout: string, stderr: string) => boolean) | undefined;
}

/** A run of a QEMU program that ended with one of the accepted exit codes. */
export interface QemuToolResult {
  /** The program and its arguments, exactly as run. */
  command: readonly string[];
  /** One of the accepted exit codes. */
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Wall time of the run, spawn included. */
  durationMs: number;
}

const DEFAULT_TIMEOUT_MS = 600_000;
// SIGTERM first (qemu-img then releases its locks cleanly), SIGKILL if it does not go.
const FORCE_KILL_AFTER_MS = 2_000;

/**
 * Runs a QEMU tool (`qemu-img`, `qemu-io`) with an argument array, never a shell, and maps
 * every failure to a {@link QemuCommandError}: `QEMU_NOT_FOUND`, `QEMU_TIMEOUT`, `QEMU_ABORTED`,
 * `QEMU_IMAGE_LOCKED`, `QEMU_IMAGE_MISSING`, `QEMU_SNAPSHOT_MISSING`, else `QEMU_FAILED`.
 */
export async function runQemuTool(
  program: string,
  args: readonly string[],
  options: QemuToolRunOptions = {},
): Promise<QemuToolResult> {
  const binary = options.binary ?? program;
  const command = [binary, ...args];
  const shown = formatCommandLine(command);
  if (options.signal?.aborted === true) {
    throw new QemuCommandError('QEMU_ABORTED', `${shown} was not started: aborted`, {
      command,
      cause: options.signal.reason,
    });
  }
  const result = await execa(binary, args, {
    reject: false,
    // qemu-io without -c would wait for commands on stdin; nothing of ours is interactive.
    stdin: 'ignore',
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    cancelSignal: options.signal,
    forceKillAfterDelay: FORCE_KILL_AFTER_MS,
  });
  const accept = options.accept ?? ((exitCode: number) => exitCode === 0);
  if (!result.timedOut && !result.isCanceled && result.exitCode !== undefined) {
    if (accept(result.exitCode, result.stdout, result.stderr)) {
      return {
        command,
        exitCode: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr,
        durationMs: result.durationMs,
      };
    }
  }

  // qemu-io reports failed commands ("read failed: …") on stdout with an empty stderr.
  const output = result.stderr.trim() === '' ? result.stdout : result.stderr;
  const stderrTail = tailText(output);
  const details = {
    command,
    exitCode: result.exitCode,
    signal: result.signal,
    stderrTail,
    cause: result.cause ?? undefined,
  };
  if (result.code === 'ENOENT' && result.exitCode === undefined) {
    throw new QemuCommandError('QEMU_NOT_FOUND', `${binary} is not installed (not on PATH)`, {
      ...details,
      hint: 'install the Debian packages qemu-utils and qemu-system-x86 (--no-install-recommends)',
    });
  }
  if (result.timedOut) {
    throw new QemuCommandError(
      'QEMU_TIMEOUT',
      `${shown} did not finish within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`,
      details,
    );
  }
  if (result.isCanceled) {
    throw new QemuCommandError('QEMU_ABORTED', `${shown} was aborted`, {
      ...details,
      cause: options.signal?.reason,
    });
  }
  if (result.exitCode === undefined && result.signal === undefined) {
    // Could not even start (EACCES, a bad cwd, …): execa's message says why.
    throw new QemuCommandError('QEMU_FAILED', `${shown} could not run: ${result.shortMessage}`, {
      ...details,
    });
  }
  const { code, image } = classifyQemuFailure(output);
  const how =
    result.exitCode === undefined
      ? `was killed by ${result.signal ?? 'a signal'}`
      : `failed with exit code ${result.exitCode}`;
  const said = tailText(output, 3).replaceAll('\n', ' ');
  throw new QemuCommandError(code, `${shown} ${how}${said === '' ? '' : `: ${said}`}`, {
    ...details,
    image,
  });
}
