import { QemuError } from '../errors.js';
import type { CartographErrorOptions, QemuErrorCode } from '../errors.js';

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
