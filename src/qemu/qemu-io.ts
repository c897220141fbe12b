import { resolve } from 'node:path';
import { QemuError } from '../errors.js';
import type { ImageFormat } from './image-format.js';
import type { QemuCallOptions } from './qemu-call-options.js';
import { runQemuTool } from './run-qemu-tool.js';

/** Options of {@link qemuIo}. */
export interface QemuIoOptions extends QemuCallOptions {
  /** Format to open the image as; never probed. @default 'qcow2' */
  format?: ImageFormat | undefined;
  /** Open read-only (`-r`): takes only the shared lock, refuses write commands. @default false */
  readOnly?: boolean | undefined;
  /** With `readOnly`: read an image another process holds (`-U`). @default false */
  forceShare?: boolean | undefined;
}

/** Outcome of a qemu-io run: `ok` is false when a `read -P` found other data than expected. */
export interface QemuIoResult {
  /** True when every command succeeded and every `read -P` found its pattern. */
  ok: boolean;
  /** The `Pattern verification failed at offset …` lines, one per failed verification. */
  mismatches: string[];
  /** What qemu-io printed on stdout. */
  output: string;
}

const MISMATCH = /^Pattern verification failed at offset .*$/gm;
const MISMATCH_TEST = /^Pattern verification failed at offset /m;

/**
 * Runs qemu-io commands (`-c`, in order) on an image, e.g. `write -P 0xab 0 1M` and
 * `read -P 0xab 0 1M`. A pattern mismatch (exit code 1, "Pattern verification failed") is a
 * normal `{ ok: false }` result; any other failure (I/O error, unknown command, lock, missing
 * image) throws a {@link QemuError}.
 */
export async function qemuIo(
  image: string,
  commands: readonly string[],
  options: QemuIoOptions = {},
): Promise<QemuIoResult> {
  if (commands.length === 0) throw new QemuError('QEMU_BAD_ARGUMENT', 'qemuIo needs a command');
  if (options.forceShare === true && options.readOnly !== true) {
    throw new QemuError('QEMU_BAD_ARGUMENT', 'qemuIo forceShare needs readOnly');
  }
  const args = ['-f', options.format ?? 'qcow2'];
  if (options.readOnly === true) args.push('-r');
  if (options.forceShare === true) args.push('-U');
  for (const command of commands) args.push('-c', command);
  args.push(resolve(image));
  const result = await runQemuTool('qemu-io', args, {
    ...options,
    // Exit code 1 without a mismatch line (I/O error, unknown command, lock) stays a failure.
    accept: (exitCode, stdout) => exitCode === 0 || (exitCode === 1 && MISMATCH_TEST.test(stdout)),
  });
  const mismatches = result.stdout.match(MISMATCH) ?? [];
  return { ok: result.exitCode === 0, mismatches, output: result.stdout };
}
