import type { SnapshotInfo } from '../qemu/index.js';
import { completeVmStates } from './complete-vm-states.js';
import { imageFormatOf } from './image-format-of.js';
import { imagePath } from './image-path.js';
import { isDiskOnlySnapshot } from './is-disk-only-snapshot.js';
import { pathExists } from './path-exists.js';
import type { ResolvedContext } from './resolved-context.js';
import { sharedImageInfo } from './shared-image-info.js';
import type { StateTarget } from './state-target.js';
import { vmImageInfos } from './vm-image-infos.js';

/**
 * The snapshot that is internal state `state` of a target: a qcow2 image state's disk-only
 * snapshot, or a complete vm state's entry on the vm's first image (which holds the RAM).
 * `undefined` when there is none. Read with `-U` (a running vm may hold the images).
 */
export async function internalSnapshotOf(
  target: StateTarget,
  state: string,
  ctx: ResolvedContext,
): Promise<SnapshotInfo | undefined> {
  if (target.kind === 'vms') {
    const infos = await vmImageInfos(target, ctx);
    return completeVmStates((infos ?? []).map((i) => i.info)).find((s) => s.name === state);
  }
  if (imageFormatOf(target) !== 'qcow2') return undefined;
  const path = imagePath(target, ctx.cwd);
  if (!(await pathExists(path))) return undefined;
  const info = await sharedImageInfo(path, ctx);
  return info.snapshots.find((s) => s.name === state && isDiskOnlySnapshot(s));
}
