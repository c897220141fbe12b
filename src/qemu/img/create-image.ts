import { resolve } from 'node:path';
import { QemuError } from '../../errors.js';
import {
  assertTargetFree,
  backingFileArg,
  type CreationOptions,
  creationOptionsArg,
  type ImageFormat,
  type ImageSize,
  imageSizeArg,
} from './image-args.js';
import { type QemuCallOptions, runQemuTool } from './run-qemu-tool.js';

/** Options of {@link createImage}. */
export interface CreateImageOptions extends QemuCallOptions {
  /** Virtual size. Required without a backing file; an overlay defaults to its backing size. */
  size?: ImageSize | undefined;
  /** Format of the new image. @default 'qcow2' */
  format?: ImageFormat | undefined;
  /**
   * Backing file of a new overlay. A relative name is stored as given and resolved by QEMU
   * against the new image's directory (not the current directory).
   */
  backingFile?: string | undefined;
  /** Format of the backing file (QEMU 7.2 refuses a backing file without one). @default 'qcow2' */
  backingFormat?: ImageFormat | undefined;
  /** Format-specific creation options (`-o`), e.g. `{ compression_type: 'zstd' }`. */
  creationOptions?: CreationOptions | undefined;
  /** Replace an existing file at `path`. @default false (fails with `QEMU_IMAGE_EXISTS`) */
  overwrite?: boolean | undefined;
}

/**
 * `qemu-img create`: a new empty image, or an overlay on a backing file. A missing backing file
 * is `QEMU_IMAGE_MISSING`; an existing target is `QEMU_IMAGE_EXISTS` unless `overwrite`.
 */
export async function createImage(path: string, options: CreateImageOptions): Promise<void> {
  const target = resolve(path);
  const args = ['create', '-q', '-f', options.format ?? 'qcow2'];
  if (options.backingFile !== undefined) {
    if (options.backingFile === '') {
      throw new QemuError('QEMU_BAD_ARGUMENT', 'backing file name is empty');
    }
    args.push('-b', backingFileArg(options.backingFile), '-F', options.backingFormat ?? 'qcow2');
  } else if (options.size === undefined) {
    throw new QemuError(
      'QEMU_BAD_ARGUMENT',
      `createImage(${target}) needs a size or a backing file`,
    );
  }
  const creation = creationOptionsArg(options.creationOptions);
  if (creation !== undefined) args.push('-o', creation);
  args.push(target);
  if (options.size !== undefined) args.push(imageSizeArg(options.size));
  if (options.overwrite !== true) await assertTargetFree(target, 'qemu-img create');
  await runQemuTool('qemu-img', args, options);
}
