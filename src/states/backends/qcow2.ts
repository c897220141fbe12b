import { StateError } from '../../errors.js';
import {
  applySnapshot,
  createSnapshot,
  deleteSnapshot,
  imageInfo,
  type ImageInfo,
  isQemuError,
} from '../../qemu/index.js';
import { pathExists } from '../../shared/index.js';
import { isStateName, type ResolvedContext } from '../ops/index.js';
import { imageFormatOf, imagePath, stateImagePath } from '../pool/index.js';
import type { ImageTarget } from '../target.js';
import type { StateBackend, StateInfo } from './backend.js';
import { createImageRoot, imageRootExists, removeImageRoot } from './image-roots.js';
import { isDiskOnlySnapshot, sharedImageInfo } from './internal-snapshots.js';

/** `qemu-img info` of the active image for reading, `undefined` when there is no image. */
async function readInfo(target: ImageTarget, ctx: ResolvedContext): Promise<ImageInfo | undefined> {
  if (imageFormatOf(target) !== 'qcow2') return undefined;
  const path = imagePath(target, ctx.cwd);
  if (!(await pathExists(path))) return undefined;
  try {
    // -U: reading the snapshot table is safe while a vm holds the image.
    return await sharedImageInfo(path, ctx);
  } catch (error) {
    if (isQemuError(error, 'QEMU_IMAGE_MISSING')) return undefined;
    throw error;
  }
}

/**
 * Image states as internal disk-only snapshots of the active image (`qemu-img snapshot`).
 * They share the snapshot table with vm states (qcow2vt): a tag is a qcow2 state only when it
 * is a disk-only snapshot (`isDiskOnlySnapshot`), and a tag used by a vm state is never
 * overwritten by an image state.
 */
export const qcow2Backend: StateBackend<ImageTarget> = {
  name: 'qcow2',
  kind: 'images',

  async show(target, ctx) {
    const info = await readInfo(target, ctx);
    return (info?.snapshots ?? [])
      .filter((s) => isDiskOnlySnapshot(s) && isStateName(s.name))
      .map((s): StateInfo => ({ name: s.name, date: new Date(s.dateSec * 1000).toISOString() }));
  },

  async exists(target, state, ctx) {
    const info = await readInfo(target, ctx);
    return (info?.snapshots ?? []).some((s) => s.name === state && isDiskOnlySnapshot(s));
  },

  async get(target, state, ctx) {
    await applySnapshot(stateImagePath(target, ctx.cwd), state, ctx.qemu);
    return undefined;
  },

  async set(target, state, overwrite, ctx, begin) {
    const path = stateImagePath(target, ctx.cwd);
    const refuse = (): never => {
      throw new StateError(
        'STATE_REFUSED',
        `${target.id}: "${state}" is the tag of a vm state in ${path}; an image state of the same name would break it`,
        { hint: 'use another state name, or unset the vm state first' },
      );
    };
    if (!overwrite) {
      await begin();
      // createSnapshot refuses any existing tag itself; the policy layer found no image state
      // of this name, so an existing tag belongs to a vm state (and is left alone).
      try {
        await createSnapshot(path, state, ctx.qemu);
      } catch (error) {
        if (isQemuError(error, 'QEMU_SNAPSHOT_EXISTS')) refuse();
        throw error;
      }
      return undefined;
    }
    const same = (await imageInfo(path, ctx.qemu)).snapshots.filter((s) => s.name === state);
    if (same.some((s) => !isDiskOnlySnapshot(s))) refuse();
    await begin();
    // Duplicates can only come from outside cartograph; remove them all.
    for (let i = 0; i < same.length; i++) await deleteSnapshot(path, state, ctx.qemu);
    await createSnapshot(path, state, ctx.qemu);
    return undefined;
  },

  async unset(target, state, ctx, begin) {
    await begin();
    await deleteSnapshot(stateImagePath(target, ctx.cwd), state, ctx.qemu);
    return undefined;
  },

  checkRoot: imageRootExists,
  getRoot: () => Promise.resolve(),
  setRoot: createImageRoot,
  unsetRoot: removeImageRoot,
};
