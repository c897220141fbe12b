import { ConfigError } from '../errors.js';
import type { ImageTarget } from './state-target.js';

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
