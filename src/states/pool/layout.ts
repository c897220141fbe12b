/**
 * Where things live on disk: the active image of an image object, its pool directory of
 * external states, the sidecar directory of internal states' records, and the record
 * directory of each backend.
 */
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError, StateError } from '../../errors.js';
import type { BackendName } from '../backends/index.js';
import type { ImageTarget, StateTarget, VmTarget } from '../target.js';

/** `image_format` of an image target: `qcow2` (default) or `raw`; anything else is an error. */
export function imageFormatOf(target: ImageTarget): 'qcow2' | 'raw' {
  const format = target.params.get('image_format') ?? 'qcow2';
  if (format !== 'qcow2' && format !== 'raw') {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `image_format = "${format}" of ${target.id}: must be qcow2 or raw`,
    );
  }
  return format;
}

/**
 * The active image of an image target, by avocado-i2n's `get_image_path`: `image_name` joined
 * to `images_base_dir` unless absolute, plus `.qcow2` unless `image_format = raw` (default
 * `qcow2`); any other format is a config error naming the image. Relative paths resolve
 * against `cwd`.
 */
export function imagePath(target: ImageTarget, cwd: string): string {
  const name = target.params.get('image_name');
  if (name === undefined || name === '') {
    throw new ConfigError('CFG_MISSING_PARAM', `image_name of ${target.id} is not set`);
  }
  const format = imageFormatOf(target);
  const base = isAbsolute(name) ? name : join(target.params.get('images_base_dir') ?? '', name);
  return resolve(cwd, format === 'raw' ? base : `${base}.qcow2`);
}

/**
 * The directory of an image's external states: `<swarm_pool>/<vm object id>/<image>`
 * (each state is `<state>.qcow2` in it). `swarm_pool` is required; relative to `cwd`.
 */
export function poolDir(target: ImageTarget, cwd: string): string {
  const pool = target.params.get('swarm_pool');
  if (pool === undefined || pool === '') {
    throw new ConfigError(
      'CFG_MISSING_PARAM',
      `swarm_pool of ${target.id} is not set (qcow2ext keeps its states there)`,
    );
  }
  return resolve(cwd, join(pool, target.vmId, target.name));
}

/**
 * The active image of a target that is to hold or receive states: it must be qcow2 (raw images
 * have neither internal snapshots nor backing files), else `STATE_BAD_BACKEND`.
 */
export function stateImagePath(target: ImageTarget, cwd: string): string {
  if (imageFormatOf(target) !== 'qcow2') {
    throw new StateError(
      'STATE_BAD_BACKEND',
      `${target.id} is a raw image (image_format = raw): it cannot hold states`,
    );
  }
  return imagePath(target, cwd);
}

/**
 * The hidden directory next to an image that keeps cartograph's records of the internal states
 * in it (`.<image file>.states`): manifests and in-progress markers of its image states
 * (`images/`) and, for a vm's first image, of the vm's states (`vms/`). It goes with the image
 * when the image is removed.
 */
export function sidecarDir(image: string): string {
  return join(dirname(image), `.${basename(image)}.states`);
}

/**
 * The directory of a vm's `ramfile` states: `<swarm_pool>/<vm object id>`, the parent of its
 * images' pool directories (each state is `<state>.ram` there, beside `<image>/<state>.qcow2`).
 */
export function vmPoolDir(target: VmTarget, cwd: string): string {
  const pool = target.params.get('swarm_pool');
  if (pool === undefined || pool === '') {
    throw new ConfigError(
      'CFG_MISSING_PARAM',
      `swarm_pool of ${target.id} is not set (ramfile keeps its states there)`,
    );
  }
  return resolve(cwd, join(pool, target.vmId));
}

/**
 * The directory of the records (manifests, markers) of a target's states under `backend`:
 * the pool directory for qcow2ext and ramfile (beside the state files), else the sidecar of the image that
 * holds the snapshots (`images/` for image states, `vms/` of the vm's first image for vm
 * states, where QEMU puts the saved RAM).
 */
export function recordDirOf(target: StateTarget, backend: BackendName, cwd: string): string {
  if (target.kind === 'vms' && backend === 'ramfile') return vmPoolDir(target, cwd);
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
