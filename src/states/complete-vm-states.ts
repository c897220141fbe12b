import type { ImageInfo, SnapshotInfo } from '../qemu/index.js';
import { isDiskOnlySnapshot } from './is-disk-only-snapshot.js';

/**
 * The vm states in the snapshot tables of a vm's images (in drive order): tags whose RAM is on
 * the first image (where cartograph's snapshot jobs put it) and that every other image has as
 * a vm snapshot entry. QEMU keeps RAM on one image only, so "RAM on every image" cannot be
 * asked for; a tag missing from some image is a leftover, not a state.
 */
export function completeVmStates(infos: readonly ImageInfo[]): SnapshotInfo[] {
  const [first, ...rest] = infos;
  if (first === undefined) return [];
  return first.snapshots.filter(
    (s) =>
      s.vmStateSize > 0 &&
      rest.every((r) => r.snapshots.some((o) => o.name === s.name && !isDiskOnlySnapshot(o))),
  );
}
