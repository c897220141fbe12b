import { resolve } from 'node:path';
import type { ImageFormat } from './image-format.js';
import type { QemuCallOptions } from './qemu-call-options.js';
import { runQemuTool } from './run-qemu-tool.js';

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
