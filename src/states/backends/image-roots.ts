/**
 * Image roots (`root`): creating an image (`image_size`, or converting `raw_image`), removing
 * it with its internal states' records, and whether it exists.
 */
import { mkdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { ConfigError, StateError } from '../../errors.js';
import { convertImage, createImage } from '../../qemu/index.js';
import { pathExists, tempPath } from '../../shared/index.js';
import { lockFileOf } from '../locks/index.js';
import type { ResolvedContext } from '../ops/index.js';
import { imageFormatOf, imagePath, sidecarDir } from '../pool/index.js';
import type { ImageTarget } from '../target.js';
import { locateVm } from '../vms/index.js';

/**
 * The raw image an image is converted from: `raw_image` in `raw_image_dir` (default the
 * current directory), or `undefined` when `raw_image` is not set. A source that does not
 * exist is `STATE_MISSING` naming it.
 */
export async function rawSourceOf(target: ImageTarget, cwd: string): Promise<string | undefined> {
  const raw = target.params.get('raw_image');
  if (raw === undefined || raw === '') return undefined;
  const source = resolve(cwd, target.params.get('raw_image_dir') ?? '.', raw);
  if (!(await pathExists(source))) {
    throw new StateError(
      'STATE_MISSING',
      `${target.id}: raw image ${source} (raw_image) does not exist`,
    );
  }
  return source;
}

/**
 * Converts the raw `source` into a new compressed qcow2 image at `dest` (which must not exist:
 * callers convert into a temporary name and rename into place). The compression is
 * `convert_compression`: `zstd` (default; about 5× faster than zlib to write), `zlib`, or
 * `none`.
 */
export async function convertRawInto(
  target: ImageTarget,
  source: string,
  dest: string,
  ctx: ResolvedContext,
): Promise<void> {
  const compression = target.params.get('convert_compression') ?? 'zstd';
  if (compression !== 'zstd' && compression !== 'zlib' && compression !== 'none') {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `convert_compression = "${compression}" of ${target.id}: must be zstd, zlib or none`,
    );
  }
  await convertImage(source, dest, {
    ...ctx.qemu,
    sourceFormat: 'raw',
    targetFormat: 'qcow2',
    compress: compression === 'none' ? false : compression,
  });
}

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

/**
 * Removes an image's root: the active image with its internal states and their records (the
 * sidecar directory); external states in the pool stay. Its directory goes too when that
 * leaves it empty (as the reference does): now, or when the image's lock file, the last thing
 * in it, goes at the end of the operation.
 */
export async function removeImageRoot(target: ImageTarget, ctx: ResolvedContext): Promise<string> {
  const path = imagePath(target, ctx.cwd);
  await rm(path, { force: true });
  await rm(sidecarDir(path), { recursive: true, force: true });
  try {
    await rmdir(dirname(path));
  } catch {
    // Not empty (other images, the base directory itself, or the lock file of this operation).
    ctx.fileLocks.pruneOnRelease(lockFileOf(`image:${path}`, ctx.runDir).file);
  }
  ctx.emit({ type: 'image-removed', target: target.id, image: path });
  return `removed ${path}`;
}

/** An image's root: the image exists and its vm is not running (image states need it off). */
export async function imageRootExists(target: ImageTarget, ctx: ResolvedContext): Promise<boolean> {
  if (!(await pathExists(imagePath(target, ctx.cwd)))) return false;
  return (await locateVm(target.vmId, ctx)) === undefined;
}
