import { join } from 'node:path';
import { createImageRoot } from './create-image-root.js';
import { imageRootExists } from './image-root-exists.js';
import { listPool } from './list-pool.js';
import { pathExists } from './path-exists.js';
import { poolDir } from './pool-dir.js';
import { qcow2extSet } from './qcow2ext-set.js';
import { qcow2extUnset } from './qcow2ext-unset.js';
import { recreateActive } from './recreate-active.js';
import { removeImageRoot } from './remove-image-root.js';
import type { StateBackend } from './state-backend.js';
import { stateImagePath } from './state-image-path.js';
import type { ImageTarget } from './state-target.js';

/**
 * Image states as external qcow2 files in a pool, `<swarm_pool>/<vm id>/<image>/<state>.qcow2`,
 * forming backing chains: a state's backing file is the state it was built on. The active
 * image is an overlay on the state it was last got from (or saved as). Backing links between
 * states in one pool directory are stored as bare file names (a pool can be moved or synced as
 * a whole); the active image refers to its state by absolute path.
 */
export const qcow2extBackend: StateBackend<ImageTarget> = {
  name: 'qcow2ext',
  kind: 'images',

  show: (target, ctx) => listPool(poolDir(target, ctx.cwd)),

  exists: (target, state, ctx) => pathExists(join(poolDir(target, ctx.cwd), `${state}.qcow2`)),

  async get(target, state, ctx) {
    const file = join(poolDir(target, ctx.cwd), `${state}.qcow2`);
    await recreateActive(stateImagePath(target, ctx.cwd), file, ctx);
    return 'the image is now an empty overlay on the state';
  },

  set: qcow2extSet,
  unset: qcow2extUnset,
  checkRoot: imageRootExists,
  getRoot: () => Promise.resolve(),
  setRoot: createImageRoot,
  unsetRoot: removeImageRoot,
};
