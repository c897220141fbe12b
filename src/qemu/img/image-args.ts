/**
 * Validation and spelling of image-tool arguments: formats, sizes, creation options, backing
 * files, snapshot tags and the targets a tool must not overwrite.
 */
import { lstat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { QemuError } from '../../errors.js';
import { escapeQemuOptionValue } from '../vm/index.js';

/**
 * Image formats cartograph names to QEMU explicitly (`-f`, `-F`, `-O`), so that QEMU never
 * probes a file's format from its content. States are always qcow2; the others are sources
 * and targets of conversions.
 */
export type ImageFormat = 'qcow2' | 'raw' | 'vmdk' | 'vdi' | 'vhdx' | 'vpc';

/** An image size: bytes, or a qemu-img size string such as `64M`, `1.5G`, `512k`. */
export type ImageSize = number | string;

const SIZE = /^\d+(?:\.\d+)?[bkmgtpe]?$/i;

/** The size argument for qemu-img; throws `QEMU_BAD_ARGUMENT` for anything else. */
export function imageSizeArg(size: ImageSize): string {
  if (typeof size === 'number') {
    if (Number.isSafeInteger(size) && size >= 0) return String(size);
  } else if (SIZE.test(size)) {
    return size;
  }
  throw new QemuError(
    'QEMU_BAD_ARGUMENT',
    `image size ${JSON.stringify(size)} is not a byte count or a size like 64M`,
  );
}

/** Format-specific creation options (`-o key=value,…`), e.g. `{ cluster_size: '2M' }`. */
export type CreationOptions = Readonly<Record<string, string | number | boolean>>;

const KEY = /^[a-z][a-z0-9_.-]*$/;

/** The `-o` argument for qemu-img create/convert, or `undefined` when there is nothing to set. */
export function creationOptionsArg(options: CreationOptions | undefined): string | undefined {
  if (options === undefined) return undefined;
  const parts = Object.entries(options).map(([key, value]) => {
    if (!KEY.test(key)) {
      throw new QemuError('QEMU_BAD_ARGUMENT', `image creation option name ${JSON.stringify(key)}`);
    }
    const text = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
    return `${key}=${escapeQemuOptionValue(text)}`;
  });
  return parts.length === 0 ? undefined : parts.join(',');
}

/**
 * A backing file name as qemu-img should store it. Relative names stay relative (QEMU resolves
 * them against the overlay's directory, so a pool can move as a whole), but a first component
 * with a `:` gets `./` in front: QEMU would otherwise read `name:` as a protocol prefix.
 */
export function backingFileArg(path: string): string {
  if (isAbsolute(path) || path.startsWith('./') || path.startsWith('../')) return path;
  const first = path.split('/', 1)[0] ?? '';
  return first.includes(':') ? `./${path}` : path;
}

/**
 * An `--image-opts` string that opens `path` as qcow2 without format probing. `qemu-img
 * snapshot` has no `-f`; probing would read whatever the file's first bytes claim.
 */
export function qcow2ImageOpts(path: string): string {
  return `driver=qcow2,file.driver=file,file.filename=${escapeQemuOptionValue(resolve(path))}`;
}

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

/**
 * Throws `QEMU_IMAGE_EXISTS` when `path` exists: `qemu-img create` and `convert` replace an
 * existing (unlocked) file without a word, which would silently destroy a state.
 */
export async function assertTargetFree(path: string, what: string): Promise<void> {
  try {
    await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  throw new QemuError('QEMU_IMAGE_EXISTS', `${what} target ${path} already exists`, {
    hint: 'pass overwrite: true to replace it',
  });
}
