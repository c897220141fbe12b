import { join } from 'node:path';
import { StateError } from '../errors.js';
import type { BackendName } from './backend-name.js';
import { imagePath } from './image-path.js';
import { poolDir } from './pool-dir.js';
import { sidecarDir } from './sidecar-dir.js';
import type { StateTarget } from './state-target.js';

/**
 * The directory of the records (manifests, markers) of a target's states under `backend`:
 * the pool directory for qcow2ext (beside the state files), else the sidecar of the image that
 * holds the snapshots (`images/` for image states, `vms/` of the vm's first image for vm
 * states, where QEMU puts the saved RAM).
 */
export function recordDirOf(target: StateTarget, backend: BackendName, cwd: string): string {
  if (target.kind === 'images') {
    return backend === 'qcow2ext'
      ? poolDir(target, cwd)
      : join(sidecarDir(imagePath(target, cwd)), 'images');
  }
  const first = target.images[0];
  if (first === undefined) {
    throw new StateError(
      'STATE_BAD_BACKEND',
      `${target.id} has no images: a vm state needs at least one qcow2 image`,
    );
  }
  return join(sidecarDir(imagePath(first, cwd)), 'vms');
}
