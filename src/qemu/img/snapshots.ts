/**
 * Internal disk snapshots with `qemu-img snapshot`: create, apply (revert) and delete.
 */
import { QemuError } from '../../errors.js';
import { checkSnapshotTag, qcow2ImageOpts } from './image-args.js';
import { imageInfo } from './image-info.js';
import { type QemuCallOptions, runQemuTool } from './run-qemu-tool.js';

/**
 * `qemu-img snapshot -c`: an internal disk-only snapshot of an image nobody holds. qemu-img
 * accepts a duplicate tag (and `-a`/`-d` would then act on the older one), so an existing tag
 * is refused with `QEMU_SNAPSHOT_EXISTS`; the check and the creation are two calls, so callers
 * that create snapshots concurrently must lock the image themselves.
 */
export async function createSnapshot(
  image: string,
  tag: string,
  options: QemuCallOptions = {},
): Promise<void> {
  checkSnapshotTag(tag);
  const info = await imageInfo(image, options);
  if (info.snapshots.some((s) => s.name === tag)) {
    throw new QemuError(
      'QEMU_SNAPSHOT_EXISTS',
      `snapshot ${JSON.stringify(tag)} already exists in ${image}`,
    );
  }
  await snapshotCommand('-c', image, tag, options);
}

/**
 * `qemu-img snapshot -a`: reverts the image's disk content to an internal snapshot (of a vm
 * snapshot only the disk part). A tag that is not there is `QEMU_SNAPSHOT_MISSING`.
 */
export async function applySnapshot(
  image: string,
  tag: string,
  options: QemuCallOptions = {},
): Promise<void> {
  await snapshotCommand('-a', image, tag, options);
}

/** `qemu-img snapshot -d`: deletes an internal snapshot; a missing tag is `QEMU_SNAPSHOT_MISSING`. */
export async function deleteSnapshot(
  image: string,
  tag: string,
  options: QemuCallOptions = {},
): Promise<void> {
  await snapshotCommand('-d', image, tag, options);
}

/** `qemu-img snapshot <flag> <tag>` on a qcow2 image (opened as qcow2, never probed). */
async function snapshotCommand(
  flag: '-c' | '-a' | '-d',
  image: string,
  tag: string,
  options: QemuCallOptions,
): Promise<void> {
  checkSnapshotTag(tag);
  await runQemuTool(
    'qemu-img',
    ['snapshot', '-q', '--image-opts', flag, tag, qcow2ImageOpts(image)],
    options,
  );
}
