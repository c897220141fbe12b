import { QemuError } from '../errors.js';
import { checkSnapshotTag } from './check-snapshot-tag.js';
import { imageInfo } from './image-info.js';
import { qcow2ImageOpts } from './qcow2-image-opts.js';
import type { QemuCallOptions } from './qemu-call-options.js';
import { runQemuTool } from './run-qemu-tool.js';

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
  await runQemuTool(
    'qemu-img',
    ['snapshot', '-q', '--image-opts', '-c', tag, qcow2ImageOpts(image)],
    options,
  );
}
