/**
 * Internal snapshots as states (`qcow2` image states and `qcow2vt` vm states): reading them
 * from the images, telling disk-only snapshots from vm snapshots, and sizing them.
 */
import { stat } from 'node:fs/promises';
import pLimit from 'p-limit';
import { imageInfo, type ImageInfo, type SnapshotInfo } from '../../qemu/index.js';
import { pathExists } from '../../shared/index.js';
import type { ResolvedContext } from '../ops/index.js';
import { imageFormatOf, imagePath } from '../pool/index.js';
import type { StateTarget, VmTarget } from '../target.js';

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

/**
 * `qemu-img info -U` of a qcow2 image, for reading its snapshot table (safe while a vm holds
 * the image). Within a batch of read-only questions (`ctx.infoCache`) each image is read once.
 */
export function sharedImageInfo(path: string, ctx: ResolvedContext): Promise<ImageInfo> {
  const read = (): Promise<ImageInfo> => imageInfo(path, { ...ctx.qemu, forceShare: true });
  const cache = ctx.infoCache;
  if (cache === undefined) return read();
  let info = cache.get(path);
  if (info === undefined) {
    info = read();
    cache.set(path, info);
  }
  return info;
}

/**
 * `qemu-img info -U` of every image of a vm (concurrently; `-U` because the vm may be running
 * and holding them), or `undefined` when one of them is missing or raw: such a vm has no
 * vm states.
 */
export async function vmImageInfos(
  target: VmTarget,
  ctx: ResolvedContext,
): Promise<{ image: string; info: ImageInfo }[] | undefined> {
  if (target.images.length === 0) return undefined;
  const paths: string[] = [];
  for (const image of target.images) {
    if (imageFormatOf(image) !== 'qcow2') return undefined;
    const path = imagePath(image, ctx.cwd);
    if (!(await pathExists(path))) return undefined;
    paths.push(path);
  }
  const limit = pLimit(ctx.concurrency);
  return Promise.all(
    paths.map((image) => limit(async () => ({ image, info: await sharedImageInfo(image, ctx) }))),
  );
}

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

/**
 * The bytes of the image files that hold a target's internal states (the image, or every
 * image of a vm): compared before and after a save, the growth is what the save took.
 */
export async function internalImageBytes(target: StateTarget, cwd: string): Promise<number> {
  const images = target.kind === 'images' ? [target] : target.images;
  let total = 0;
  for (const image of images) {
    try {
      total += (await stat(imagePath(image, cwd))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return total;
}
