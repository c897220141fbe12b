import { QemuError } from '../errors.js';

// QEMU keeps snapshot names in 256-byte buffers (QEMUSnapshotInfo.name) including the NUL.
const MAX_TAG_BYTES = 255;

/**
 * Throws `QEMU_BAD_ARGUMENT` for a snapshot tag QEMU would misread: empty, longer than 255
 * bytes, with control characters or surrounding blanks, or purely numeric (`qemu-img snapshot
 * -a 3` takes `3` as a snapshot ID, HMP `loadvm 3` as a tag: the two would pick different
 * snapshots).
 */
export function checkSnapshotTag(tag: string): void {
  let problem: string | undefined;
  if (tag === '') problem = 'is empty';
  else if (Buffer.byteLength(tag) > MAX_TAG_BYTES)
    problem = `is longer than ${MAX_TAG_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  else if (/[\u0000-\u001f\u007f]/.test(tag)) problem = 'contains control characters';
  else if (tag.trim() !== tag) problem = 'starts or ends with blanks';
  else if (/^\d+$/.test(tag)) problem = 'is numeric, which QEMU would read as a snapshot ID';
  if (problem !== undefined) {
    throw new QemuError('QEMU_BAD_ARGUMENT', `snapshot tag ${JSON.stringify(tag)} ${problem}`);
  }
}
