import { resolve } from 'node:path';
import { StateError } from '../errors.js';
import { pathExists } from './path-exists.js';
import type { ImageTarget } from './state-target.js';

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
