import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deleteSnapshot, imageInfo, isQemuError, repairLeaks } from '../qemu/index.js';
import { imagePath } from './image-path.js';
import { isDiskOnlySnapshot } from './is-disk-only-snapshot.js';
import { pathExists } from './path-exists.js';
import type { Recovery } from './recovery.js';
import type { ResolvedContext } from './resolved-context.js';
import { sidecarDir } from './sidecar-dir.js';
import type { StateMarker } from './state-marker.js';
import { stateRecord } from './state-record.js';
import type { ImageTarget } from './state-target.js';

/**
 * Deals with a qcow2 image state (internal snapshot) whose set or unset was interrupted: its
 * disk-only snapshots of that name are deleted (a killed `qemu-img snapshot` leaves either the
 * old table or the new one, so the snapshot is there or not, never half), leaked clusters are
 * repaired, and manifest and marker go. A vm state's tag of the same name is never touched. An
 * image another process holds (a running vm) is left for later.
 */
export async function recoverImageSnapshot(
  image: ImageTarget,
  marker: StateMarker,
  ctx: ResolvedContext,
): Promise<Recovery> {
  const { state } = marker;
  const path = imagePath(image, ctx.cwd);
  const record = stateRecord(join(sidecarDir(path), 'images'), state);
  const outcome = (done: boolean, detail: string): Recovery => ({
    target: image.id,
    kind: 'images',
    state,
    backend: 'qcow2',
    op: marker.op,
    done,
    detail,
  });
  let detail = 'nothing was left of it';
  if (await pathExists(path)) {
    try {
      const same = (await imageInfo(path, ctx.qemu)).snapshots.filter((s) => s.name === state);
      if (same.some((s) => !isDiskOnlySnapshot(s))) {
        detail = 'a vm state has the same tag: left alone';
      } else {
        for (let i = 0; i < same.length; i++) await deleteSnapshot(path, state, ctx.qemu);
        await repairLeaks([path], ctx.qemu);
        if (same.length > 0) detail = 'discarded it';
      }
    } catch (error) {
      if (!isQemuError(error, 'QEMU_IMAGE_LOCKED')) throw error;
      return outcome(false, `left for later: ${path} is in use by another process`);
    }
  }
  await rm(record.manifest, { force: true });
  await rm(record.marker, { force: true });
  return outcome(true, `an interrupted ${marker.op} of pid ${marker.pid}: ${detail}`);
}
