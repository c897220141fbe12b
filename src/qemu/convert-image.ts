import { lstat, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { QemuError } from '../errors.js';
import { assertTargetFree } from './assert-target-free.js';
import { checkSnapshotTag } from './check-snapshot-tag.js';
import { creationOptionsArg } from './creation-options-arg.js';
import type { CreationOptions } from './creation-options-arg.js';
import { escapeQemuOptionValue } from './escape-qemu-option-value.js';
import type { ImageFormat } from './image-format.js';
import type { QemuCallOptions } from './qemu-call-options.js';
import { runQemuTool } from './run-qemu-tool.js';

/** Options of {@link convertImage}. */
export interface ConvertImageOptions extends QemuCallOptions {
  /** Format of the source; never probed. @default 'qcow2' */
  sourceFormat?: ImageFormat | undefined;
  /** Format of the target. @default 'qcow2' */
  targetFormat?: ImageFormat | undefined;
  /**
   * Compress the qcow2 target (`-c`): `true`/`'zlib'` for QEMU's default zlib, `'zstd'` for
   * zstd (`-o compression_type=zstd`, about 5× faster to write). Compressed clusters are
   * rewritten uncompressed when a guest writes them.
   * @default false
   */
  compress?: boolean | 'zlib' | 'zstd' | undefined;
  /** Export this internal snapshot of the source instead of its current state (`-l snapshot.name=`). */
  snapshot?: string | undefined;
  /** Read a source another process holds (`-U`). @default false */
  forceShare?: boolean | undefined;
  /** Format-specific creation options of the target (`-o`). */
  creationOptions?: CreationOptions | undefined;
  /** Replace an existing target. @default false (fails with `QEMU_IMAGE_EXISTS`) */
  overwrite?: boolean | undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * `qemu-img convert`: copies `source` into a new standalone image `target` (backing chains are
 * flattened). A target that did not exist before is removed again when the conversion fails,
 * so no half-written image is left; an existing target is never removed (it may be another
 * process's image that was only locked).
 */
export async function convertImage(
  source: string,
  target: string,
  options: ConvertImageOptions = {},
): Promise<void> {
  const targetPath = resolve(target);
  const targetFormat = options.targetFormat ?? 'qcow2';
  const args = ['convert', '-q', '-f', options.sourceFormat ?? 'qcow2', '-O', targetFormat];
  let creation = { ...options.creationOptions };
  if (options.compress !== undefined && options.compress !== false) {
    if (targetFormat !== 'qcow2') {
      throw new QemuError(
        'QEMU_BAD_ARGUMENT',
        `compression needs a qcow2 target, not ${targetFormat}`,
      );
    }
    args.push('-c');
    if (options.compress === 'zstd') creation = { ...creation, compression_type: 'zstd' };
  }
  const creationArg = creationOptionsArg(creation);
  if (creationArg !== undefined) args.push('-o', creationArg);
  if (options.snapshot !== undefined) {
    checkSnapshotTag(options.snapshot);
    args.push('-l', `snapshot.name=${escapeQemuOptionValue(options.snapshot)}`);
  }
  if (options.forceShare === true) args.push('-U');
  args.push(resolve(source), targetPath);

  const existed = await exists(targetPath);
  if (existed && options.overwrite !== true) await assertTargetFree(targetPath, 'qemu-img convert');
  try {
    await runQemuTool('qemu-img', args, options);
  } catch (error) {
    if (!existed) await rm(targetPath, { force: true });
    throw error;
  }
}
