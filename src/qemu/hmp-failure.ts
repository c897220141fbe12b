import type { QemuErrorCode } from '../errors.js';
import { classifyQemuFailure } from './classify-qemu-failure.js';

/** An error that a HMP command reported inside a successful QMP return. */
export interface HmpFailure {
  /** `QEMU_SNAPSHOT_MISSING`, `QEMU_SNAPSHOT_EXISTS` or `QEMU_QMP`. */
  code: QemuErrorCode;
  /** The error text, CRLF normalised and trimmed. */
  text: string;
}

// These print nothing on success, so any output is an error (QEMU 7.2 texts include
// "Error: …", "savevm: extraneous characters at the end of line", "Not a migration stream").
const SILENT_ON_SUCCESS = new Set(['savevm', 'loadvm', 'delvm', 'stop', 'cont', 'quit']);
// Error texts any HMP command may return; other commands (`info`, `xp`) return data.
const ERROR_TEXT = [
  /^Error: /m,
  /^unknown command: /m,
  /^Try "help /m,
  /extraneous characters at the end of line/,
  /Not a migration stream/,
];

/**
 * Whether the return text of HMP `commandLine` (through QMP `human-monitor-command`) reports
 * an error. HMP always "succeeds" at the QMP level and prints its errors into the return
 * string; this finds them. `undefined` means success.
 */
export function hmpFailure(commandLine: string, output: string): HmpFailure | undefined {
  const text = output.replace(/\r\n?/g, '\n').trim();
  if (text === '') return undefined;
  const command = commandLine.trim().split(/\s+/, 1)[0] ?? '';
  if (!SILENT_ON_SUCCESS.has(command) && !ERROR_TEXT.some((re) => re.test(text))) return undefined;
  const { code } = classifyQemuFailure(text);
  return {
    code: code === 'QEMU_SNAPSHOT_MISSING' || code === 'QEMU_SNAPSHOT_EXISTS' ? code : 'QEMU_QMP',
    text,
  };
}
