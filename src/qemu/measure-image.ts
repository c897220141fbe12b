import { resolve } from 'node:path';
import { QemuError } from '../errors.js';
import { checkSnapshotTag } from './check-snapshot-tag.js';
import { creationOptionsArg } from './creation-options-arg.js';
import type { CreationOptions } from './creation-options-arg.js';
import { escapeQemuOptionValue } from './escape-qemu-option-value.js';
import type { ImageFormat } from './image-format.js';
import { imageSizeArg } from './image-size-arg.js';
import type { ImageSize } from './image-size-arg.js';
import { parseJsonOutput } from './parse-json-output.js';
import type { QemuCallOptions } from './qemu-call-options.js';
import { runQemuTool } from './run-qemu-tool.js';

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
