/**
 * Whole-image copies and comparisons: `qemu-img convert` (raw → qcow2, flattening, exporting
 * one snapshot), `measure` and `compare`.
 */
import { lstat, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { QemuError } from '../../errors.js';
import { escapeQemuOptionValue } from '../vm/index.js';
import {
  assertTargetFree,
  checkSnapshotTag,
  type CreationOptions,
  creationOptionsArg,
  type ImageFormat,
  type ImageSize,
  imageSizeArg,
} from './image-args.js';
import { parseJsonOutput, type QemuCallOptions, runQemuTool } from './run-qemu-tool.js';

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

/** What to measure: a new empty image of a size, or the conversion of an existing image. */
export type MeasureInput =
  | { size: ImageSize }
  | {
      image: string;
      /** Format of `image`. @default 'qcow2' */
      format?: ImageFormat | undefined;
      /** Measure this internal snapshot of `image`. */
      snapshot?: string | undefined;
    };

/** Options of {@link measureImage}. */
export interface MeasureImageOptions extends QemuCallOptions {
  /** Format of the image to be created. @default 'qcow2' */
  targetFormat?: ImageFormat | undefined;
  /** Creation options of the image to be created (`-o`). */
  creationOptions?: CreationOptions | undefined;
}

/** Host bytes an image would need, from `qemu-img measure --output=json`. */
export interface MeasureResult {
  /** Bytes needed for the image with its current data. */
  required: number;
  /** Bytes needed once every cluster is allocated. */
  fullyAllocated: number;
  /** Bytes of persistent bitmaps, when the source has a bitmap-capable format. */
  bitmaps?: number;
}

/** `qemu-img measure --output=json`: disk space for a new image or for a conversion. */
export async function measureImage(
  input: MeasureInput,
  options: MeasureImageOptions = {},
): Promise<MeasureResult> {
  const args = ['measure', '--output=json', '-O', options.targetFormat ?? 'qcow2'];
  const creation = creationOptionsArg(options.creationOptions);
  if (creation !== undefined) args.push('-o', creation);
  if ('size' in input) {
    args.push('--size', imageSizeArg(input.size));
  } else {
    args.push('-f', input.format ?? 'qcow2');
    if (input.snapshot !== undefined) {
      checkSnapshotTag(input.snapshot);
      args.push('-l', `snapshot.name=${escapeQemuOptionValue(input.snapshot)}`);
    }
    args.push(resolve(input.image));
  }
  const result = await runQemuTool('qemu-img', args, options);
  const json = parseJsonOutput(result.stdout, result.command) as Record<string, unknown>;
  const { required, bitmaps } = json;
  const fullyAllocated = json['fully-allocated'];
  if (typeof required !== 'number' || typeof fullyAllocated !== 'number') {
    throw new QemuError('QEMU_FAILED', `unexpected qemu-img measure output: ${result.stdout}`);
  }
  return typeof bitmaps === 'number'
    ? { required, fullyAllocated, bitmaps }
    : { required, fullyAllocated };
}

/** Options of {@link compareImages}. */
export interface CompareImagesOptions extends QemuCallOptions {
  /** Format of the first image. @default 'qcow2' */
  formatA?: ImageFormat | undefined;
  /** Format of the second image. @default 'qcow2' */
  formatB?: ImageFormat | undefined;
  /**
   * Strict mode (`-s`): images of different sizes, or where one has an unallocated area and
   * the other zeroes, differ. @default false
   */
  strict?: boolean | undefined;
  /** Read images other processes hold (`-U`). @default false */
  forceShare?: boolean | undefined;
}

/**
 * `qemu-img compare`: whether two images have the same guest-visible content (exit code 0
 * identical, 1 different; anything else is an error).
 */
export async function compareImages(
  a: string,
  b: string,
  options: CompareImagesOptions = {},
): Promise<boolean> {
  const args = [
    'compare',
    '-q',
    '-f',
    options.formatA ?? 'qcow2',
    '-F',
    options.formatB ?? 'qcow2',
  ];
  if (options.strict === true) args.push('-s');
  if (options.forceShare === true) args.push('-U');
  args.push(resolve(a), resolve(b));
  const result = await runQemuTool('qemu-img', args, {
    ...options,
    accept: (exitCode) => exitCode === 0 || exitCode === 1,
  });
  return result.exitCode === 0;
}
