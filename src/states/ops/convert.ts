import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../../errors.js';
import { imageInfo, isQemuError } from '../../qemu/index.js';
import { pathExists, tempPath } from '../../shared/index.js';
import { backendFor, convertRawInto, rawSourceOf } from '../backends/index.js';
import { lockKeys, withObjectLocks } from '../locks/index.js';
import { imageFormatOf, imagePath } from '../pool/index.js';
import type { ImageTarget } from '../target.js';
import { stopVm } from '../vms/index.js';
import { resolvedContext, type StateContext } from './context.js';
import type { StateResult } from './results.js';

/**
 * `convert`: makes the image anew from its raw source (`raw_image` in `raw_image_dir`) as a
 * compressed qcow2 (`convert_compression`, default zstd), replacing what was there. A missing
 * source is `STATE_MISSING` naming it; an image another process holds is `QEMU_IMAGE_LOCKED`
 * and is left untouched (its own vm, if running, is stopped first). The new image is written
 * under a temporary name and renamed into place.
 */
export async function convertRawImage(
  target: ImageTarget,
  ctx: StateContext,
): Promise<StateResult> {
  const rctx = resolvedContext(ctx);
  const started = performance.now();
  const backend = backendFor(target);
  if (imageFormatOf(target) !== 'qcow2') {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `${target.id}: convert makes qcow2 images, but image_format = raw`,
    );
  }
  const path = imagePath(target, rctx.cwd);
  rctx.emit({
    type: 'state-start',
    op: 'convert',
    target: target.id,
    state: 'root',
    backend: backend.name,
  });
  const existed = await withObjectLocks(
    [target],
    lockKeys(target, rctx.cwd, rctx.runDir),
    `convert ${target.id}`,
    rctx,
    async () => {
      const source = await rawSourceOf(target, rctx.cwd);
      if (source === undefined) {
        throw new ConfigError('CFG_MISSING_PARAM', `raw_image of ${target.id} is not set`);
      }
      await stopVm(target.vmId, `convert of ${target.id} needs it off`, rctx);
      const present = await pathExists(path);
      if (present) {
        // QEMU_IMAGE_LOCKED while another process writes the image: leave it alone. An image
        // that is merely unreadable (not qcow2, damaged) is what a conversion repairs.
        await imageInfo(path, rctx.qemu).catch((error: unknown) => {
          if (isQemuError(error, 'QEMU_IMAGE_LOCKED')) throw error;
        });
      }
      await mkdir(dirname(path), { recursive: true });
      const temp = tempPath(dirname(path), basename(path));
      try {
        await convertRawInto(target, source, temp, rctx);
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      rctx.emit({ type: 'image-converted', target: target.id, image: path });
      return present;
    },
  );
  const result: StateResult = {
    op: 'convert',
    target: target.id,
    kind: 'images',
    state: 'root',
    backend: backend.name,
    existed,
    policy: { param: '', value: '', letter: '' },
    action: existed ? 'overwritten' : 'created',
    detail: `converted into ${path}`,
    durationMs: Math.round(performance.now() - started),
  };
  rctx.emit({ type: 'state-end', result });
  return result;
}
