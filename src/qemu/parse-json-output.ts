import { QemuError } from '../errors.js';
import { formatCommandLine } from './format-command-line.js';

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
