import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { createImage } from '../qemu/index.js';
import { convertRawInto } from './convert-raw-into.js';
import { imageFormatOf } from './image-format-of.js';
import { imagePath } from './image-path.js';
import { rawSourceOf } from './raw-source-of.js';
import type { ResolvedContext } from './resolved-context.js';
import { sidecarDir } from './sidecar-dir.js';
import type { ImageTarget } from './state-target.js';
import { tempPath } from './temp-path.js';

/**
 * Makes an image's root: converts `raw_image` when it is set (qcow2 targets), else
 * `qemu-img create` with `image_size`. The image is made under a temporary name and renamed
 * into place, so an interrupted creation never leaves a half-made image under the real name;
 * records of internal states of an image that was there before go.
 */
export async function createImageRoot(target: ImageTarget, ctx: ResolvedContext): Promise<string> {
  const path = imagePath(target, ctx.cwd);
  const format = imageFormatOf(target);
  const source = format === 'qcow2' ? await rawSourceOf(target, ctx.cwd) : undefined;
  const size = target.params.get('image_size');
  if (source === undefined && (size === undefined || size === '')) {
    throw new ConfigError(
      'CFG_MISSING_PARAM',
      `image_size of ${target.id} is not set (nor raw_image): cannot create ${path}`,
    );
  }
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPath(dirname(path), basename(path));
  try {
    if (source !== undefined) {
      await convertRawInto(target, source, temp, ctx);
    } else {
      await createImage(temp, { ...ctx.qemu, format, size });
    }
    // A new image has no snapshots: records of an image that was here describe nothing.
    await rm(sidecarDir(path), { recursive: true, force: true });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  ctx.emit({
    type: source === undefined ? 'image-created' : 'image-converted',
    target: target.id,
    image: path,
  });
  return source === undefined ? `created ${path}` : `converted ${source} into ${path}`;
}
