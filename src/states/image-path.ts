import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { imageFormatOf } from './image-format-of.js';
import type { ImageTarget } from './state-target.js';

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
