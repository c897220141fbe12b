import { checkSnapshotTag } from './check-snapshot-tag.js';
import { qcow2ImageOpts } from './qcow2-image-opts.js';
import type { QemuCallOptions } from './qemu-call-options.js';
import { runQemuTool } from './run-qemu-tool.js';

/**
 * `qemu-img snapshot -a`: reverts the image's disk content to an internal snapshot (of a vm
 * snapshot only the disk part). A tag that is not there is `QEMU_SNAPSHOT_MISSING`.
 */
export async function applySnapshot(
  image: string,
  tag: string,
  options: QemuCallOptions = {},
): Promise<void> {
  checkSnapshotTag(tag);
  await runQemuTool(
    'qemu-img',
    ['snapshot', '-q', '--image-opts', '-a', tag, qcow2ImageOpts(image)],
    options,
  );
}
