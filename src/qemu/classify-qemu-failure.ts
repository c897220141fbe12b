import type { QemuErrorCode } from '../errors.js';

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
