import { QemuError } from '../errors.js';
import type { CartographErrorOptions, QemuErrorCode } from '../errors.js';

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
