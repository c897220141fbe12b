/**
 * Running the host programs the guest build needs (apt, dpkg-deb, tar, mke2fs, sfdisk, …)
 * through execa with argument arrays, never a shell, and turning every failure into a
 * `GuestError`: a missing program names the Debian package that provides it, a failed one its
 * command line, exit code and the tail of its stderr.
 */
import { execa, type Result } from 'execa';
import { GuestError } from '../errors.js';

/** The Debian package that provides each host program the build runs. */
export const HOST_TOOL_PACKAGES: Readonly<Record<string, string>> = {
  'apt-get': 'apt',
  'apt-cache': 'apt',
  'dpkg-deb': 'dpkg',
  tar: 'tar',
  gzip: 'gzip',
  mke2fs: 'e2fsprogs',
  sfdisk: 'fdisk',
  'mkfs.vfat': 'dosfstools',
  mcopy: 'mtools',
  syslinux: 'syslinux',
  'qemu-img': 'qemu-utils',
};

/** The package that provides syslinux's MBR boot code, read as a file. */
export const MBR_BIN_PACKAGE = 'syslinux-common';

/** Options of {@link runHostTool}. */
export interface HostToolOptions {
  /** Cancels the run: the program is killed and the call fails with `GUEST_ABORTED`. */
  signal?: AbortSignal | undefined;
  /** Working directory of the program. */
  cwd?: string | undefined;
  /** Text written to the program's stdin (a password, an sfdisk script); nothing otherwise. */
  input?: string | undefined;
  /** Extra environment variables. */
  env?: Readonly<Record<string, string>> | undefined;
  /** Write the program's stdout to this file instead of returning it (binary output). */
  stdoutFile?: string | undefined;
  /** Milliseconds before the program is killed. @default 300_000 */
  timeoutMs?: number | undefined;
  /** What the run is for, for the error message ("download the guest packages"). */
  purpose?: string | undefined;
}

const DEFAULT_TIMEOUT_MS = 300_000;

/**
 * The environment of every run: PATH gains the sbin directories, where mke2fs, sfdisk and
 * mkfs.vfat live and which a normal user's PATH on Debian lacks (they work without root).
 */
function toolEnv(extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const path = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  return { PATH: `${path}:/usr/local/sbin:/usr/sbin:/sbin`, ...extra };
}

function shown(command: readonly string[]): string {
  return command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

/** Throws `GUEST_ABORTED` when `signal` is already aborted. */
export function checkAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) {
    throw new GuestError('GUEST_ABORTED', `${what} was aborted`, { cause: signal.reason });
  }
}

/**
 * The `GuestError` for a finished execa run that did not succeed, or `undefined` when it
 * succeeded. Shared by single runs and by both ends of a pipe.
 */
export function hostToolFailure(
  program: string,
  result: Result,
  options: Pick<HostToolOptions, 'signal' | 'purpose' | 'timeoutMs'> = {},
): GuestError | undefined {
  if (!result.failed) return undefined;
  const line = result.escapedCommand;
  const why = options.purpose === undefined ? '' : ` (${options.purpose})`;
  if (result.isCanceled) {
    return new GuestError('GUEST_ABORTED', `${line} was aborted${why}`, {
      cause: options.signal?.reason,
    });
  }
  if (result.code === 'ENOENT' && result.exitCode === undefined) {
    const pkg = HOST_TOOL_PACKAGES[program];
    return new GuestError(
      'GUEST_BUILD',
      `${program} is not installed${why}` +
        (pkg === undefined ? '' : `; install the Debian package ${pkg}`),
      {
        cause: result,
        hint:
          pkg === undefined
            ? undefined
            : `apt-get install --no-install-recommends ${pkg} (or: node scripts/setup.js --qemu)`,
      },
    );
  }
  if (result.timedOut) {
    return new GuestError(
      'GUEST_BUILD',
      `${line} did not finish within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms${why}`,
      { cause: result },
    );
  }
  const how =
    result.exitCode === undefined
      ? `was killed by ${result.signal ?? 'a signal'}`
      : `failed with exit code ${result.exitCode}`;
  const stderr = typeof result.stderr === 'string' ? tail(result.stderr) : '';
  return new GuestError(
    'GUEST_BUILD',
    `${line} ${how}${why}${stderr === '' ? '' : `: ${stderr}`}`,
    {
      cause: result,
    },
  );
}

/**
 * Runs `program` with `args` and resolves with its stdout (trailing newline trimmed); any
 * failure is a `GuestError` (see the file comment).
 */
export async function runHostTool(
  program: string,
  args: readonly string[],
  options: HostToolOptions = {},
): Promise<string> {
  checkAborted(options.signal, shown([program, ...args]));
  const result = await execa(program, args, {
    reject: false,
    cwd: options.cwd,
    env: toolEnv(options.env),
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    ...(options.stdoutFile === undefined ? {} : { stdout: { file: options.stdoutFile } }),
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    cancelSignal: options.signal,
    forceKillAfterDelay: 2_000,
  });
  const failure = hostToolFailure(program, result, options);
  if (failure !== undefined) throw failure;
  return typeof result.stdout === 'string' ? result.stdout : '';
}

/**
 * Runs `from` with its stdout connected to the stdin of `to` (two processes joined by execa,
 * no shell), and resolves with the stdout of `to`. `accept` may declare a failed run of `to`
 * a success (tar reports members it did not find with exit code 2).
 */
export async function pipeHostTools(
  from: { program: string; args: readonly string[] },
  to: { program: string; args: readonly string[] },
  options: HostToolOptions & { accept?: ((result: Result) => boolean) | undefined } = {},
): Promise<string> {
  checkAborted(options.signal, `${shown([from.program, ...from.args])} | ${to.program}`);
  const common = {
    reject: false,
    cwd: options.cwd,
    env: toolEnv(options.env),
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    cancelSignal: options.signal,
    forceKillAfterDelay: 2_000,
  } as const;
  // The source's stdout goes to the pipe only: buffering it too would keep a whole kernel
  // package's tar stream (over 100 MB) in memory and trip execa's maxBuffer.
  const source = execa(from.program, from.args, {
    ...common,
    stdin: 'ignore',
    buffer: { stdout: false },
  });
  const sink = execa(to.program, to.args, common);
  const [sourceResult, sinkResult] = await Promise.all([
    source,
    source.pipe(sink).catch(() => sink),
  ]);
  const sourceFailure = hostToolFailure(from.program, sourceResult, options);
  const sinkFailure =
    options.accept?.(sinkResult) === true
      ? undefined
      : hostToolFailure(to.program, sinkResult, options);
  // When one end fails the other usually fails too (a broken pipe, a truncated archive), and
  // which one failed first cannot be told afterwards: report both.
  if (sourceFailure !== undefined && sinkFailure !== undefined) {
    throw new GuestError(sourceFailure.code, `${sourceFailure.message}; ${sinkFailure.message}`, {
      cause: sourceFailure,
      hint: sourceFailure.hint ?? sinkFailure.hint,
    });
  }
  const failure = sourceFailure ?? sinkFailure;
  if (failure !== undefined) throw failure;
  return sinkResult.stdout;
}
