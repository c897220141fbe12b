import type { SnapshotInfo } from '../qemu/index.js';

/**
 * Whether a snapshot is an image state (made by `qemu-img snapshot -c`) rather than part of a
 * vm state. A vm snapshot keeps its RAM on one image only (`vm-state-size` > 0 there) and
 * leaves entries with `vm-state-size` 0 on the vm's other images; what tells those apart from
 * disk-only snapshots is the instruction count, which QEMU 7.2 writes (as 0) for qemu-img's
 * snapshots and omits for the vm's (measured: savevm and the snapshot-save job alike).
 */
export function isDiskOnlySnapshot(snapshot: SnapshotInfo): boolean {
  return snapshot.vmStateSize === 0 && snapshot.icount !== undefined;
}
