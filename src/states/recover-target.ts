import { join } from 'node:path';
import { imageFormatOf } from './image-format-of.js';
import { imagePath } from './image-path.js';
import { findMarkers } from './find-markers.js';
import { isHolderAlive } from './is-holder-alive.js';
import { poolDir } from './pool-dir.js';
import { readMarker } from './read-marker.js';
import { recoverImageSnapshot } from './recover-image-snapshot.js';
import { recoverQcow2ext } from './recover-qcow2ext.js';
import { recoverVmState } from './recover-vm-state.js';
import type { Recovery } from './recovery.js';
import type { ResolvedContext } from './resolved-context.js';
import { sidecarDir } from './sidecar-dir.js';
import type { StateMarker } from './state-marker.js';
import { stateRecord } from './state-record.js';
import type { StateTarget } from './state-target.js';

/** A marker another live process is writing under (never the case under our locks): skip it. */
function busy(marker: StateMarker): boolean {
  return marker.pid !== process.pid && isHolderAlive(marker);
}

/**
 * Deals with every state of a target that an interrupted operation left behind (an
 * in-progress marker): image states of each of its images (internal ones; external ones of a
 * qcow2ext image, whose pool the caller has locked) and, for a vm, its vm states. Called with
 * the object's locks held, before anything else touches it, so that no operation ever starts
 * from a half-written state or a moved-away image. Cheap when there is nothing to do: one
 * directory listing per record directory.
 */
export async function recoverTarget(
  target: StateTarget,
  ctx: ResolvedContext,
): Promise<Recovery[]> {
  const done: Recovery[] = [];
  const images = target.kind === 'images' ? [target] : target.images;
  for (const image of images) {
    if (imageFormatOf(image) !== 'qcow2') continue;
    const internal = join(sidecarDir(imagePath(image, ctx.cwd)), 'images');
    for (const state of await findMarkers(internal)) {
      const marker = await readMarker(stateRecord(internal, state).marker, state, 'qcow2');
      if (marker !== undefined && !busy(marker)) {
        done.push(await recoverImageSnapshot(image, marker, ctx));
      }
    }
    if (image.params.get('states') === 'qcow2ext') {
      const dir = poolDir(image, ctx.cwd);
      for (const state of await findMarkers(dir)) {
        const marker = await readMarker(stateRecord(dir, state).marker, state, 'qcow2ext');
        if (marker !== undefined && !busy(marker)) {
          done.push(await recoverQcow2ext(image, marker, ctx));
        }
      }
    }
  }
  const first = target.kind === 'vms' ? target.images[0] : undefined;
  if (target.kind === 'vms' && first !== undefined && imageFormatOf(first) === 'qcow2') {
    const dir = join(sidecarDir(imagePath(first, ctx.cwd)), 'vms');
    for (const state of await findMarkers(dir)) {
      const marker = await readMarker(stateRecord(dir, state).marker, state, 'qcow2vt');
      if (marker !== undefined && !busy(marker))
        done.push(await recoverVmState(target, marker, ctx));
    }
  }
  return done;
}
