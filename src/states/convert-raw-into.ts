import { ConfigError } from '../errors.js';
import { convertImage } from '../qemu/index.js';
import type { ResolvedContext } from './resolved-context.js';
import type { ImageTarget } from './state-target.js';

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
