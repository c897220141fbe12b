/**
 * `qemu-io`: reading and writing patterns in an image without a vm (what the tests and the
 * disk-only demo chain use).
 */
import { resolve } from 'node:path';
import { QemuError } from '../../errors.js';
import type { ImageFormat } from './image-args.js';
import { type QemuCallOptions, runQemuTool } from './run-qemu-tool.js';

const AMOUNT = /^\d+[kmgtKMGT]?$/;

function amount(value: number | string, what: string): string {
  const text = String(value);
  if ((typeof value === 'number' && !Number.isSafeInteger(value)) || !AMOUNT.test(text)) {
    throw new QemuError('QEMU_BAD_ARGUMENT', `qemu-io ${what} ${JSON.stringify(value)}`);
  }
  return text;
}

/**
 * A qemu-io command that writes (`write -P`) or verifies (`read -P`) a one-byte pattern over a
 * range, e.g. `ioPatternCommand('read', 0xab, 0, '1M')` → `read -P 0xab 0 1M`. Offsets and
 * lengths are bytes or sizes with a k/M/G/T suffix.
 */
export function ioPatternCommand(
  op: 'write' | 'read',
  pattern: number,
  offset: number | string,
  length: number | string,
): string {
  if (!Number.isInteger(pattern) || pattern < 0 || pattern > 0xff) {
    throw new QemuError('QEMU_BAD_ARGUMENT', `qemu-io pattern ${pattern} is not a byte`);
  }
  const hex = pattern.toString(16).padStart(2, '0');
  return `${op} -P 0x${hex} ${amount(offset, 'offset')} ${amount(length, 'length')}`;
}

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
