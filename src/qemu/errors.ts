/**
 * How QEMU failures become coded errors: the error classes of the qemu module, recognising
 * lock, missing-image and snapshot failures in QEMU's messages, and the short command lines and
 * output tails that messages quote.
 */
import { type CartographErrorOptions, QemuError, type QemuErrorCode } from '../errors.js';

/**
 * The last `maxLines` non-empty lines of a program's output, at most `maxChars` characters,
 * with CRLF normalised. Errors keep only this much: enough to see why, small enough to print.
 */
export function tailText(text: string, maxLines = 20, maxChars = 4000): string {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const tail = lines.slice(-maxLines).join('\n');
  return tail.length > maxChars ? `…${tail.slice(tail.length - maxChars + 1)}` : tail;
}

const PLAIN = /^[\w@%+=:,./-]+$/;

/**
 * A command line for messages, with arguments quoted the POSIX-shell way where needed. Only
 * for display: cartograph never runs a shell.
 */
export function formatCommandLine(command: readonly string[]): string {
  return command
    .map((arg) => (PLAIN.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}

/** What a failed QEMU program run leaves behind for diagnosis. */
export interface QemuCommandErrorDetails extends CartographErrorOptions {
  /** The program and its arguments, exactly as run. */
  command: readonly string[];
  /** Exit code, when the program exited on its own. */
  exitCode?: number | undefined;
  /** Name of the signal that ended the program (`SIGKILL`), if one did. */
  signal?: string | undefined;
  /** The last lines of the program's stderr (for a vm: of its log file). */
  stderrTail?: string | undefined;
  /** The image the error is about: the locked image or the missing (backing) file. */
  image?: string | undefined;
}

/**
 * A QEMU program (qemu-img, qemu-io, qemu-system-x86_64) failed. Keeps the command line, exit
 * code, signal and stderr tail so that a report can show what ran and what it said.
 */
export class QemuCommandError extends QemuError {
  readonly command: readonly string[];
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stderrTail: string;
  readonly image: string | undefined;

  constructor(code: QemuErrorCode, message: string, details: QemuCommandErrorDetails) {
    super(code, message, details);
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderrTail = details.stderrTail ?? '';
    this.image = details.image;
  }
}

/** Details of a QMP (or HMP-through-QMP) failure. */
export interface QmpErrorDetails extends CartographErrorOptions {
  /** The QMP command, or `human-monitor-command: <line>` for HMP. */
  command: string;
  /** QMP error class (`GenericError`, `CommandNotFound`, …); `undefined` for HMP and job errors. */
  errorClass?: string | undefined;
  /** The error text QEMU gave. */
  desc: string;
}

/** The QMP monitor refused a command, HMP printed an error, or a snapshot job failed. */
export class QmpError extends QemuError {
  readonly command: string;
  readonly errorClass: string | undefined;
  readonly desc: string;

  constructor(code: QemuErrorCode, message: string, details: QmpErrorDetails) {
    super(code, message, details);
    this.command = details.command;
    this.errorClass = details.errorClass;
    this.desc = details.desc;
  }
}

/** Whether `error` is a {@link QemuError} with one of the given codes (any code if none given). */
export function isQemuError(
  error: unknown,
  ...codes: readonly QemuErrorCode[]
): error is QemuError {
  return error instanceof QemuError && (codes.length === 0 || codes.includes(error.code));
}

/** The error code a QEMU error text maps to, and the image it names. */
export interface QemuFailureClass {
  code: QemuErrorCode;
  /** The locked image or the missing file, when the text names one. */
  image?: string;
}

const LOCK = /Failed to get (shared )?"write" lock/;
const LOCKED_IMAGE = /Is another process using the image \[(.*)\]\?/;
// "Could not open 'x': Could not open backing file: Could not open '/y': No such file or directory":
// the last quoted path before the ENOENT text is the file that is really missing.
const MISSING = /Could not open '([^']*)': No such file or directory/g;
const SNAPSHOT_MISSING = [
  // qemu-img snapshot -a / -d
  /Could not apply snapshot '.*': Failed to load snapshot: No such file or directory/,
  /Could not delete snapshot '.*': snapshot not found/,
  // qemu-img convert/measure -l snapshot.name=…
  /Failed to load snapshot: Can't find snapshot/,
  // QMP snapshot jobs and HMP loadvm
  /Snapshot '.*' does not exist in one or more devices/,
];
const SNAPSHOT_EXISTS = /Snapshot '.*' already exists in one or more devices/;

/**
 * Maps the error text of a QEMU program (stderr of qemu-img/qemu-io, the log of a vm that died,
 * a QMP job error) to an error code. Only exact texts of QEMU 7.2 are recognised; anything
 * else is `QEMU_FAILED` and the caller keeps the text in the message.
 */
export function classifyQemuFailure(text: string): QemuFailureClass {
  if (LOCK.test(text)) {
    const image = LOCKED_IMAGE.exec(text)?.[1];
    return image === undefined
      ? { code: 'QEMU_IMAGE_LOCKED' }
      : { code: 'QEMU_IMAGE_LOCKED', image };
  }
  if (SNAPSHOT_MISSING.some((re) => re.test(text))) return { code: 'QEMU_SNAPSHOT_MISSING' };
  if (SNAPSHOT_EXISTS.test(text)) return { code: 'QEMU_SNAPSHOT_EXISTS' };
  const missing = [...text.matchAll(MISSING)].at(-1)?.[1];
  if (missing !== undefined) return { code: 'QEMU_IMAGE_MISSING', image: missing };
  return { code: 'QEMU_FAILED' };
}
