import { resolve } from 'node:path';
import type { ImageFormat } from './image-format.js';
import { parseImageInfo } from './parse-image-info.js';
import type { ImageInfo } from './parse-image-info.js';
import { parseJsonOutput } from './parse-json-output.js';
import type { QemuCallOptions } from './qemu-call-options.js';
import { runQemuTool } from './run-qemu-tool.js';

/** Options of {@link imageInfo} and {@link backingChainInfo}. */
export interface ImageInfoOptions extends QemuCallOptions {
  /** Format to open the image as; never probed. @default 'qcow2' */
  format?: ImageFormat | undefined;
  /**
   * Read the image although another process (a running vm) holds it (`-U`). Safe for reading
   * metadata; the answer may be slightly behind what the holder is writing.
   * @default false
   */
  forceShare?: boolean | undefined;
}

/**
 * `qemu-img info --output=json`: size, backing file and internal snapshots of one image.
 * Fails with `QEMU_IMAGE_MISSING` or `QEMU_IMAGE_LOCKED` (without `forceShare`).
 */
export async function imageInfo(path: string, options: ImageInfoOptions = {}): Promise<ImageInfo> {
  const args = ['info', '--output=json', '-f', options.format ?? 'qcow2'];
  if (options.forceShare === true) args.push('-U');
  const result = await runQemuTool('qemu-img', [...args, resolve(path)], options);
  return parseImageInfo(parseJsonOutput(result.stdout, result.command));
}
