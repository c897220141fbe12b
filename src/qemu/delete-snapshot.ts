import { checkSnapshotTag } from './check-snapshot-tag.js';
import { qcow2ImageOpts } from './qcow2-image-opts.js';
import type { QemuCallOptions } from './qemu-call-options.js';
import { runQemuTool } from './run-qemu-tool.js';

/** `qemu-img snapshot -d`: deletes an internal snapshot; a missing tag is `QEMU_SNAPSHOT_MISSING`. */
export async function deleteSnapshot(
  image: string,
  tag: string,
  options: QemuCallOptions = {},
): Promise<void> {
  checkSnapshotTag(tag);
  await runQemuTool(
    'qemu-img',
    ['snapshot', '-q', '--image-opts', '-d', tag, qcow2ImageOpts(image)],
    options,
  );
}
