import { resolve } from 'node:path';
import { QemuError } from '../errors.js';
import type { ImageInfoOptions } from './image-info.js';
import { parseImageInfo } from './parse-image-info.js';
import type { ImageInfo } from './parse-image-info.js';
import { parseJsonOutput } from './parse-json-output.js';
import { runQemuTool } from './run-qemu-tool.js';

/**
 * `qemu-img info --output=json --backing-chain`: the image and all its backing files, top
 * first. `format` applies to the top image; the backing files are opened with the formats
 * stored in their overlays. A missing backing file is `QEMU_IMAGE_MISSING` naming that file.
 */
export async function backingChainInfo(
  path: string,
  options: ImageInfoOptions = {},
): Promise<ImageInfo[]> {
  const args = ['info', '--output=json', '--backing-chain', '-f', options.format ?? 'qcow2'];
  if (options.forceShare === true) args.push('-U');
  const result = await runQemuTool('qemu-img', [...args, resolve(path)], options);
  const json = parseJsonOutput(result.stdout, result.command);
  if (!Array.isArray(json)) {
    throw new QemuError(
      'QEMU_FAILED',
      'unexpected qemu-img info --backing-chain output: not an array',
    );
  }
  return json.map(parseImageInfo);
}
